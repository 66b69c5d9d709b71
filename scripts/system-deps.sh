#!/usr/bin/env bash
# The Debian packages the test suites need, installed when missing. Run by `npm test` (pretest) and
# by .ci/run, so `npm test` works on a fresh Debian machine. Not root: prints the command to run.
# Not Debian: says so and leaves it to you (the integration runner names what it still misses).
#   chromium                                   the browser the integration suite drives (playwright-core)
#   fonts-dejavu-core                          readable text in the UI screenshots
#   ripgrep                                    code-server's search; also seeds @vscode/ripgrep's download cache
#   libkrb5-dev libsecret-1-dev libxkbfile-dev headers for the native modules code-server builds
#   build-essential python3                    node-gyp, for those native modules
#   git                                        the git tests use real repositories
#   iproute2                                   `ip`, to bring up loopback in each app version's network namespace
#   slirp4netns                                outbound network for those namespaces
set -euo pipefail
packages=(chromium fonts-dejavu-core ripgrep libkrb5-dev libsecret-1-dev libxkbfile-dev build-essential python3 git iproute2 slirp4netns)
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system-deps: not a Debian system; make sure these (or their equivalents) are installed: ${packages[*]}"
  exit 0
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
