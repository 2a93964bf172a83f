#!/usr/bin/env bash
# Generates Man/ (swift-argument-parser's generate-manual plugin) and Completions/ from the
# command tree, or with --check fails when the committed copies are out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-generate}
date=2026-11-23   # fixed, so regeneration is reproducible
out=.build/plugins/GenerateManual/outputs/natctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rm -rf "$out"
swift package generate-manual --configuration debug --multi-page --date "$date" >/dev/null
mkdir -p "$tmp/Man" "$tmp/Completions"
cp "$out"/*.1 "$tmp/Man/"
bin=.build/debug/natctl
"$bin" --generate-completion-script bash >"$tmp/Completions/natctl.bash"
"$bin" --generate-completion-script zsh >"$tmp/Completions/_natctl"
"$bin" --generate-completion-script fish >"$tmp/Completions/natctl.fish"

if [ "$mode" = --check ]; then
  if ! diff -ru Man "$tmp/Man" || ! diff -ru Completions "$tmp/Completions"; then
    echo "Man/ or Completions/ is out of date with the command tree: run 'make docs' and commit the result." >&2
    exit 1
  fi
  echo "docs: Man/ and Completions/ are up to date"
else
  rm -rf Man Completions
  cp -r "$tmp/Man" "$tmp/Completions" .
  echo "docs: regenerated Man/ and Completions/"
fi
