#!/usr/bin/env bash
# Unpacks Debian's Cyrus IMAP (cyrus-imapd, cyrus-common) and the libraries it needs that are not installed into a
# private directory, without installing anything: Debian's cyrus-imapd conflicts with dovecot-imapd, which the
# Dovecot tests need. test/helpers/cyrus.ts runs it from there (LD_LIBRARY_PATH, its own config and ports).
# Usage: .ci/unpack-cyrus.sh [DEST]   (default /var/cache/sepm-intake-test/cyrus; a no-op when already unpacked)
set -euo pipefail
dest="${1:-${SEPM_CYRUS_ROOT:-/var/cache/sepm-intake-test/cyrus}}"
[ -x "$dest/usr/lib/cyrus/bin/master" ] && [ -x "$dest/usr/sbin/saslpasswd2" ] && exit 0

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # apt's _apt user downloads into it
cd "$work"
[ -n "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial || true)" ] || apt-get update -qq

# Shared libraries that this machine lacks, two levels down (cyrus-common → libical3, libxapian30, libpcre3, ...;
# libclamav12 → libmspack0); the ldd check below fails loudly if that was not enough.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
deps() {
  apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "$@" |
    awk '/^ *(Pre)?Depends: [^<]/ { print $2 }' | sort -u
}
missing_libs() { for p in $(deps "$@"); do case "$p" in lib*) installed "$p" || echo "$p" ;; esac; done; }
level1=$(missing_libs cyrus-imapd cyrus-common sasl2-bin)
level2=$([ -n "$level1" ] && missing_libs $level1 || true)
# shellcheck disable=SC2206 # word splitting of package names is wanted
libs=($level1 $level2)

echo "unpack-cyrus: downloading cyrus-imapd cyrus-common sasl2-bin ${libs[*]}"
download() { apt-get download -qq cyrus-imapd cyrus-common sasl2-bin "${libs[@]}" >download.log 2>&1; }
# Stale package lists name versions the mirror no longer has: refresh them once and try again.
if ! download; then
  apt-get update -qq
  download || { cat download.log >&2; exit 1; }
fi
mkdir -p "$dest.tmp"
for deb in ./*.deb; do dpkg-deb -x "$deb" "$dest.tmp"; done
# The server drops to an unprivileged user and execs imapd from here: everything readable and traversable.
chmod -R a+rX "$dest.tmp"
libpath="$dest.tmp/usr/lib/x86_64-linux-gnu:$dest.tmp/lib/x86_64-linux-gnu"
for bin in usr/lib/cyrus/bin/master usr/lib/cyrus/bin/imapd usr/lib/cyrus/bin/ctl_cyrusdb usr/sbin/saslpasswd2; do
  if LD_LIBRARY_PATH="$libpath" ldd "$dest.tmp/$bin" | grep 'not found'; then
    echo "unpack-cyrus: $bin misses libraries (above)" >&2
    exit 1
  fi
done
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "unpack-cyrus: $dest"
