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

# The vendors' official Python SDKs, each in a virtualenv of its own under target/sdk-venvs
# (the Tencent international SDK ships its own `tencentcloud.common`): the server tests run
# them unmodified against certdesk. Made once; `rm -rf target/sdk-venvs` makes them again.
CERTDESK_SDK_VENVS="${CERTDESK_SDK_VENVS:-$(pwd)/target/sdk-venvs}"
export CERTDESK_SDK_VENVS
certdesk_need_sdks() {
  local tc="$CERTDESK_SDK_VENVS/tencent" ali="$CERTDESK_SDK_VENVS/alibaba"
  python3 -m venv --help >/dev/null 2>&1 || certdesk_apt python3-venv
  if ! "$tc/bin/python" -c "import tencentcloud.ssl.v20191205" 2>/dev/null; then
    echo "certdesk: installing Tencent's SDK in $tc" >&2
    rm -rf "$tc" && python3 -m venv "$tc"
    "$tc/bin/pip" install --quiet \
      tencentcloud-sdk-python-intl-en==3.1.193
  fi
  if ! "$ali/bin/python" -c "import alibabacloud_cas20200407" 2>/dev/null; then
    echo "certdesk: installing Alibaba's SDK in $ali" >&2
    rm -rf "$ali" && python3 -m venv "$ali"
    "$ali/bin/pip" install --quiet \
      alibabacloud-cas20200407==3.9.4
  fi
}
