# Shared helpers of scripts/test and scripts/demo (sourced, not run).
# They find an Odoo 19.0 that is already on the machine and build the Python virtual
# environments the project needs from the package registries. They never fetch or build Odoo.

CACHE="${ACCOUNT_COLLECTION_CACHE:-$HOME/.cache/account_collection}"
mkdir -p "$CACHE"
PYTHON="${PYTHON:-python3}"

log() { echo "$@" >&2; }

_hash() { cat "$@" 2>/dev/null | sha1sum | cut -c1-12; }

# _venv <dir> <requirements file>: create the virtualenv once, reuse it while the
# requirements are unchanged. Prints the path of its python.
_venv() {
    local dir="$1" reqs="$2"
    if [ ! -x "$dir/bin/python" ] || [ ! -f "$dir/.complete" ]; then
        log "building virtualenv $dir (once; it is reused afterwards)"
        rm -rf "$dir"
        local pip_log="$CACHE/pip.log"
        if ! { "$PYTHON" -m venv "$dir" &&
               "$dir/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip &&
               "$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$reqs"; } >"$pip_log" 2>&1
        then
            tail -n 20 "$pip_log" >&2
            log "could not build $dir (full log: $pip_log)"
            return 1
        fi
        touch "$dir/.complete"
    fi
    echo "$dir/bin/python"
}

dev_python() {
    local reqs="$ROOT/requirements-dev.txt"
    (
        flock 9
        _venv "$CACHE/venv-dev-$(_hash "$reqs")" "$reqs"
    ) 9>"$CACHE/.venv.lock"
}

# Odoo's own requirements, with two changes that avoid compiling C extensions here:
# psycopg2 comes as its binary wheel, python-ldap (only for auth_ldap) is left out.
# Extra packages in the arguments give another environment (the demo's: `odoo_python phonenumbers`).
odoo_python() {
    local reqs="$CACHE/odoo-requirements${1:+-$(echo "$*" | tr ' ' '-')}.txt"
    {
        sed -E -e 's/^psycopg2==/psycopg2-binary==/' -e '/^python-ldap/d' "$ODOO_PATH/requirements.txt"
        grep -v -E '^\s*(#|$)' "$ROOT/requirements.txt"
        # The tour tests drive Chromium over its DevTools websocket; without this package
        # Odoo silently skips them.
        echo "websocket-client"
        local extra
        for extra in "$@"; do echo "$extra"; done
    } >"$reqs.new"
    mv "$reqs.new" "$reqs"
    (
        flock 9
        _venv "$CACHE/venv-odoo-$(_hash "$reqs")" "$reqs"
    ) 9>"$CACHE/.venv.lock"
}

_is_odoo19() {
    [ -f "$1/odoo-bin" ] && grep -qE '^version_info = \(19, 0,' "$1/odoo/release.py" 2>/dev/null
}

# find_odoo: sets ODOO_PATH, or sets WHY (why it cannot) and returns 1.
find_odoo() {
    if [ -n "${ODOO_PATH:-}" ]; then
        if _is_odoo19 "$ODOO_PATH"; then export ODOO_PATH; return 0; fi
        WHY="ODOO_PATH=$ODOO_PATH is not an Odoo 19.0 source tree with odoo-bin"
        return 1
    fi
    local candidate
    for candidate in /opt/odoo19 /opt/odoo "$HOME/odoo19" "$HOME/odoo" "$ROOT/../odoo"; do
        if _is_odoo19 "$candidate"; then
            ODOO_PATH="$(cd "$candidate" && pwd)"
            export ODOO_PATH
            return 0
        fi
    done
    WHY="no Odoo 19.0 found: set ODOO_PATH to an Odoo 19.0 source tree (with odoo-bin), or put one in /opt/odoo19"
    return 1
}

# check_postgres: returns 0 when PostgreSQL answers, or sets WHY and returns 1.
check_postgres() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q && return 0
        WHY="PostgreSQL does not answer (pg_isready${PGHOST:+ on $PGHOST}); start it or set PGHOST/PGPORT/PGUSER"
        return 1
    fi
    if (exec 3<>"/dev/tcp/${PGHOST:-127.0.0.1}/${PGPORT:-5432}") 2>/dev/null; then
        return 0
    fi
    WHY="PostgreSQL does not answer on ${PGHOST:-127.0.0.1}:${PGPORT:-5432}; start it or set PGHOST/PGPORT"
    return 1
}

# Chromium runs the tours and wkhtmltopdf renders the PDF reports. Install them from
# Debian's packages when we can; otherwise the tours are reported as skipped.
ensure_browser() {
    local missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v wkhtmltopdf >/dev/null 2>&1 || missing+=(wkhtmltopdf)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing ${missing[*]} from Debian's packages"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") \
            >"$CACHE/apt.log" 2>&1 || log "could not install ${missing[*]} (see $CACHE/apt.log)"
    else
        log "WARNING: ${missing[*]} missing and cannot be installed here: tours/PDF tests will be SKIPPED"
    fi
}
