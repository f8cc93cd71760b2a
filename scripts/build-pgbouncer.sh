#!/usr/bin/env bash
# Build PgBouncer from Debian 13 (trixie)'s source package on Debian 12 (bookworm): the local
# backend and the tests need >= 1.21 (prepared statements in transaction pooling), Debian 12 has 1.18.
# Run by pg-read-replicas when the PgBouncer it finds is older; the result is cached per machine.
#
#   build-pgbouncer.sh CACHE_DIR            e.g. ~/.cache/pg-read-replicas/pgbouncer-1.24
#
# Result: CACHE_DIR/bin/pgbouncer (plus CACHE_DIR/BUILD-INFO and CACHE_DIR/share/doc/NEWS.md).
# Idempotent: exits at once when CACHE_DIR/bin/pgbouncer exists and `--version` prints the wanted series.
#
# How:
#  * build deps come from the machine's own (bookworm) apt sources, installed only when missing;
#  * the source comes from trixie through apt with a *throw-away* configuration (its own
#    sources.list, lists and cache dirs under a temp dir): /etc/apt and /var/lib/apt/lists are
#    never touched. apt checks the signed InRelease -> Sources -> .dsc/.orig/.debian hashes;
#    we additionally check the orig tarball's and the debian tarball's SHA-256 against the .dsc;
#  * `dpkg-source -x` unpacks orig + Debian's patches (trixie's package carries CVE fixes that
#    are not in the 1.24.1 upstream tarball);
#  * ./configure --with-cares --with-systemd (no PAM, no pandoc: the tarball ships the man pages),
#    `make -j$(nproc) pgbouncer`, and only the binary is installed.
#
# Environment knobs:
#   PGBOUNCER_SERIES        upstream series required (default 1.24); refuses anything else
#   PGBOUNCER_SUITES        trixie suites to take the source from (default "trixie trixie-security")
#   PGBOUNCER_ORIG_SHA256   optional pin for the orig tarball's SHA-256
#   PGBOUNCER_WITH_SYSTEMD  0 (default) or 1 (as Debian builds it, with libsystemd-dev). On bookworm,
#                           installing libsystemd-dev also upgrades libsystemd0/systemd to the newest
#                           bookworm point release (exact-version dependency); sd_notify/socket
#                           activation are only useful under systemd, so the default leaves systemd alone.
#   DEBIAN_MIRROR / DEBIAN_SECURITY_MIRROR   default http://deb.debian.org/debian{,-security}
set -euo pipefail

usage() { echo "usage: $0 CACHE_DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
CACHE_DIR=$1
case $CACHE_DIR in /*) ;; *) CACHE_DIR="$PWD/$CACHE_DIR" ;; esac

SERIES=${PGBOUNCER_SERIES:-1.24}
SUITES=${PGBOUNCER_SUITES:-"trixie trixie-security"}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SEC_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
BIN="$CACHE_DIR/bin/pgbouncer"

log() { printf '==> [%3ss] %s\n' "$SECONDS" "$*" >&2; }
die() { printf 'build-pgbouncer: %s\n' "$*" >&2; exit 1; }

# ---- 0. already built? -------------------------------------------------------------------
cached_ok() {
  [ -x "$BIN" ] || return 1
  local v
  v=$("$BIN" --version 2>/dev/null | head -n1) || return 1
  case $v in "PgBouncer $SERIES."*) printf '%s\n' "$v"; return 0 ;; *) return 1 ;; esac
}
if v=$(cached_ok); then
  log "cached: $BIN ($v)"
  "$BIN" --version
  exit 0
fi

mkdir -p "$CACHE_DIR"
chmod 755 "$CACHE_DIR"
# One build at a time per cache dir.
exec 9>"$CACHE_DIR/.build.lock"
flock 9
if v=$(cached_ok); then log "built meanwhile by another run: $BIN ($v)"; "$BIN" --version; exit 0; fi


# ---- 1. build dependencies (bookworm) -----------------------------------------------------
# Debian's Build-Depends for pgbouncer 1.24.1 (trixie):
#   debhelper-compat (= 13), libevent-dev (>= 1.3b), libpam0g-dev | libpam-dev, libssl-dev,
#   libc-ares-dev (>> 1.12), libpq-dev, libsystemd-dev [linux-any], pkgconf, pandoc, postgresql,
#   python3, ca-certificates, python3-pytest... <!nocheck>
# Only these are needed for the binary (no debhelper: we do not build a .deb; no PAM: we do
# not configure --with-pam; no pandoc/python3: doc/pgbouncer.1 and .5 ship prebuilt; no
# postgresql/libpq-dev/pytest: only the test suite uses them):
BUILD_DEPS=(build-essential dpkg-dev pkgconf xz-utils libevent-dev libssl-dev libc-ares-dev)
WITH_SYSTEMD=${PGBOUNCER_WITH_SYSTEMD:-0}
if [ "$WITH_SYSTEMD" = 1 ]; then BUILD_DEPS+=(libsystemd-dev); SYSTEMD_FLAG=--with-systemd; else SYSTEMD_FLAG=--without-systemd; fi
missing=()
for p in "${BUILD_DEPS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing build dependencies: ${missing[*]}"
  SUDO=
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing build dependencies (${missing[*]}); not root and no sudo to apt-get install them"
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  APT_INSTALL=($SUDO apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold)
  if ! "${APT_INSTALL[@]}" "${missing[@]}"; then
    log "apt-get install failed; running apt-get update once and retrying"
    $SUDO apt-get update -q
    "${APT_INSTALL[@]}" "${missing[@]}"
  fi
else
  log "build dependencies already installed"
fi

# ---- 2. source from trixie, through a throw-away apt configuration ---------------------------
WORK=$(mktemp -d /tmp/build-pgbouncer.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
APTDIR="$WORK/apt"
mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/sources.list.d" "$APTDIR/preferences.d" "$WORK/src"
: >"$APTDIR/sources.list"
for s in $SUITES; do
  case $s in
    *-security) echo "deb-src [signed-by=$KEYRING] $SEC_MIRROR $s main" ;;
    *) echo "deb-src [signed-by=$KEYRING] $MIRROR $s main" ;;
  esac >>"$APTDIR/sources.list"
done
# apt drops privileges to _apt for downloads: let it write there (avoids the "unsandboxed" warning).
chmod 755 "$WORK"
if id _apt >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then chown -R _apt "$APTDIR/lists" "$APTDIR/cache" "$WORK/src"; fi
APT_OPTS=(
  -o Dir::Etc::sourcelist="$APTDIR/sources.list"
  -o Dir::Etc::sourceparts="$APTDIR/sources.list.d"
  -o Dir::Etc::preferencesparts="$APTDIR/preferences.d"
  -o Dir::State::Lists="$APTDIR/lists"
  -o Dir::Cache="$APTDIR/cache"
  -o APT::Get::List-Cleanup=false
  -o Acquire::Languages=none
  -q
)
log "fetching the trixie source index (temporary apt config: $APTDIR/sources.list)"
apt-get "${APT_OPTS[@]}" update >&2
srcver=$(apt-cache "${APT_OPTS[@]}" showsrc pgbouncer | sed -n 's/^Version: //p' | sort -V | tail -n1)
[ -n "$srcver" ] || die "pgbouncer source not found in: $SUITES"
upstream=${srcver#*:}; upstream=${upstream%-*}
case $upstream in "$SERIES".*) ;; *) die "trixie has pgbouncer $srcver, not the $SERIES series (set PGBOUNCER_SERIES)" ;; esac
log "downloading pgbouncer $srcver source"
(cd "$WORK/src" && apt-get "${APT_OPTS[@]}" source --download-only "pgbouncer=$srcver" >&2)

dsc=$(ls "$WORK/src"/pgbouncer_*.dsc)
# Verify each file the .dsc lists against its Checksums-Sha256 (apt already did it from the
# signed index, this is belt and braces and documents the hashes).
awk '/^Checksums-Sha256:/{f=1;next} /^[^ ]/{f=0} f&&NF==3{print $1"  "$3}' "$dsc" >"$WORK/src/SHA256SUMS"
grep -q '\.orig\.tar\.' "$WORK/src/SHA256SUMS" || die "no orig tarball in $dsc"
(cd "$WORK/src" && sha256sum --strict -c SHA256SUMS >&2) || die "SHA-256 mismatch against $dsc"
orig_sha=$(awk '/\.orig\.tar\./{print $1}' "$WORK/src/SHA256SUMS")
if [ -n "${PGBOUNCER_ORIG_SHA256:-}" ] && [ "$orig_sha" != "$PGBOUNCER_ORIG_SHA256" ]; then
  die "orig tarball SHA-256 $orig_sha != pinned PGBOUNCER_ORIG_SHA256 $PGBOUNCER_ORIG_SHA256"
fi

# ---- 3. unpack with Debian's patches, configure, build -------------------------------------
log "unpacking (dpkg-source -x applies debian/patches)"
(cd "$WORK/src" && dpkg-source -x "$(basename "$dsc")" tree >&2)
cd "$WORK/src/tree"
log "configure"
./configure --prefix="$CACHE_DIR" --with-cares "$SYSTEMD_FLAG" --without-pam >"$WORK/configure.log" 2>&1 \
  || { tail -n 40 "$WORK/configure.log" >&2; die "configure failed (log above)"; }
grep -E '^(Results|  (adns|pam|systemd|tls|cares))' "$WORK/configure.log" >&2 || true
log "make -j$(nproc) pgbouncer"
make -j"$(nproc)" pgbouncer >"$WORK/make.log" 2>&1 || { tail -n 40 "$WORK/make.log" >&2; die "make failed (log above)"; }

# ---- 4. install the binary only (atomically) -----------------------------------------------
mkdir -p "$CACHE_DIR/bin" "$CACHE_DIR/share/doc"
# The servers run as the postgres user: it must reach and execute the binary.
chmod 755 "$CACHE_DIR/bin" "$CACHE_DIR/share" "$CACHE_DIR/share/doc"
install -m 0755 pgbouncer "$BIN.tmp.$$"
"$BIN.tmp.$$" --version >/dev/null || die "built binary does not run"
mv -f "$BIN.tmp.$$" "$BIN"
install -m 0644 NEWS.md "$CACHE_DIR/share/doc/NEWS.md"
{
  echo "source_package=pgbouncer $srcver"
  echo "suites=$SUITES"
  echo "orig_sha256=$orig_sha"
  echo "patches=$(tr '\n' ' ' <debian/patches/series)"
  echo "configure=--prefix=$CACHE_DIR --with-cares $SYSTEMD_FLAG --without-pam"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release && echo "$PRETTY_NAME")"
} >"$CACHE_DIR/BUILD-INFO"
log "installed $BIN"
"$BIN" --version
