# Shared by scripts/test and scripts/example (sourced, not run): installs what certdesk's tests
# and examples need beyond cargo when it is missing, and says nothing when everything is there.
#   - the openssl command line (interop tests, the examples' final check);
#   - OpenSSL's headers and pkg-config (the `openssl` crate the interop tests and benches use);
#   - Python 3 with `cryptography` (interop tests);
#   - PostgreSQL's server binaries (initdb, pg_ctl, pg_dump: the PostgreSQL store's tests start a
#     server of their own on loopback).
# Debian/Ubuntu (apt-get); elsewhere it names what to install and stops.

certdesk_sudo() {
  if [ "$(id -u)" -ne 0 ]; then sudo "$@"; else "$@"; fi
}

certdesk_apt() {
  [ $# -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "certdesk: please install: $*" >&2
    return 1
  fi
  echo "certdesk: installing $*" >&2
  certdesk_sudo apt-get update -q >/dev/null
  certdesk_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

# The openssl command line, OpenSSL's headers and pkg-config.
certdesk_need_openssl() {
  local need=()
  command -v openssl >/dev/null 2>&1 || need+=(openssl)
  command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
  if ! pkg-config --exists openssl 2>/dev/null; then
    dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
  fi
  certdesk_apt "${need[@]}"
}

# Python 3, pip and the `cryptography` package.
certdesk_need_python() {
  local need=()
  command -v python3 >/dev/null 2>&1 || need+=(python3)
  python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
  certdesk_apt "${need[@]}"
  if ! python3 -c "import cryptography" 2>/dev/null; then
    echo "certdesk: installing Python's cryptography" >&2
    python3 -m pip install --quiet cryptography 2>/dev/null \
      || python3 -m pip install --quiet --break-system-packages cryptography
  fi
}

# PostgreSQL's server binaries.
certdesk_need_postgres() {
  if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    certdesk_apt postgresql
  fi
}
