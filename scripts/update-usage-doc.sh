#!/usr/bin/env bash
# Regenerates the help blocks of docs/usage.md from the program (a unit test fails when they differ); keeps the notes.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"
build_release
B=out/bin/MpiDescent
notes="$(sed -n '/^## Notes/,$p' docs/usage.md)"
{
  printf '# Usage\n\nThis page shows the program'"'"'s own help text (a test checks that they agree), then notes on each command.\n\n```\n'
  $B --help
  printf '```\n'
  for c in train convert generate inspect predict evaluate export bench selftest plan; do
    printf '\n## %s\n\n```\n' "$c"; $B "$c" --help; printf '```\n'
  done
  printf '\n%s\n' "$notes"
} > docs/usage.md.tmp && mv docs/usage.md.tmp docs/usage.md
