#!/usr/bin/env bash
# Proves the GenMC clients bite: each line of mutations.def weakens one
# memory order that a header says is needed, in a scratch copy of the
# headers, and names the client that must then fail.  A mutation whose
# text no longer occurs exactly once in its header is stale and fails too.
#   mutations.sh GENMC [SCRATCH_DIR]
set -u
genmc=$1
scratch=${2:-build/mutants}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
caught=0 missed=0
while IFS='|' read -r name header from to client model; do
  name=$(echo $name)
  case $name in ''|'#'*) continue;; esac
  header=$(echo $header) client=$(echo $client) model=$(echo ${model:-rc11})
  from=$(printf '%s' "$from" | sed 's/^ *//; s/ *$//') to=$(printf '%s' "$to" | sed 's/^ *//; s/ *$//')
  dir=$scratch/$name
  rm -rf "$dir" && mkdir -p "$dir" && cp -r "$top/include" "$dir/"
  # the text as a pattern: literal pieces, any white space between them
  pattern='join("\\s+", map { quotemeta } split(/\s+/, $ENV{FROM}))'
  n=$(FROM=$from perl -0ne "\$p = $pattern; \$n = () = /\$p/g; print \$n" "$dir/include/lfkit/$header")
  if [ "$n" != 1 ]; then
    printf 'STALE %-28s %s: the text to weaken occurs %s times\n' "$name" "$header" "$n"; missed=$((missed + 1)); continue
  fi
  FROM=$from TO=$to perl -0pi -e "\$p = $pattern; s/\$p/\$ENV{TO}/" "$dir/include/lfkit/$header"
  if GENMC_MODELS=$model "$here/run.sh" "$genmc" "$dir/include" "$client" >"$dir/run.log" 2>&1; then
    printf 'MISSED %-27s %s: %s still passes\n' "$name" "$header" "$client"; missed=$((missed + 1))
  elif ! grep -q '^FAIL' "$dir/run.log"; then # e.g. a client not run under that model
    printf 'MISSED %-27s %s: %s did not run under %s\n' "$name" "$header" "$client" "$model"; missed=$((missed + 1))
  else
    printf 'CAUGHT %-27s by %-18s %-5s %s\n' "$name" "$client" "$model" "$(grep -m1 '^FAIL' "$dir/run.log" | sed 's/^FAIL *[^ ]* *[^ ]* *//')"
    caught=$((caught + 1))
  fi
done < "$here/mutations.def"
echo "mutations: $caught caught, $missed missed"
[ $missed -eq 0 ] && [ $caught -gt 0 ]
