#!/usr/bin/env bash
# Model-checks every GenMC client of clients.def under RC11 and IMM and
# prints one line per client and model.  Fails on any error GenMC reports
# (assertion, race, use after free, leak) and on a run that explored no
# complete execution (a client cut short proves nothing).  In a client's
# flags, genmc:OPT passes OPT to GenMC instead of clang, and models:M runs
# that client under model M only (see clients.def).
#   run.sh GENMC [INCLUDE_DIR [CLIENT]]   INCLUDE_DIR: the lfkit headers (default include)
set -u
genmc=$1
inc=${2:-include}
only=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
models=${GENMC_MODELS:-rc11 imm}
pass=0 fail=0
while read -r name file flags; do
  case $name in ''|'#'*) continue;; esac
  [ -n "$only" ] && [ "$only" != "$name" ] && continue
  cflags= gflags= cmodels=$models
  for f in $flags; do
    case $f in
      genmc:*) gflags="$gflags ${f#genmc:}";;
      models:*) case " $models " in *" ${f#models:} "*) cmodels=${f#models:};; *) cmodels=;; esac;;
      *) cflags="$cflags $f";;
    esac
  done
  for model in $cmodels; do
    # -O1 -fno-builtin: GenMC rejects a 16-byte struct copy (-O0) and memset idioms (builtins);
    # -DLF_NO_DWCAS: GenMC does not model 16-byte atomics (docs/verification.md).
    out=$(timeout "${GENMC_TIMEOUT:-300}" "$genmc" "-$model" --disable-instruction-caching --disable-estimation $gflags -- \
          -O1 -fno-builtin -I "$inc" -DLF_NO_DWCAS $cflags "$here/$file" 2>&1)
    rc=$?
    execs=$(printf '%s\n' "$out" | sed -n 's/^Number of complete executions explored: \([0-9]*\).*/\1/p')
    secs=$(printf '%s\n' "$out" | sed -n 's/^Total wall-clock time: //p')
    if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^No errors were detected' && [ "${execs:-0}" -gt 0 ]; then
      printf 'PASS %-20s %-5s %7s executions  %s\n' "$name" "$model" "$execs" "$secs"; pass=$((pass + 1))
    else
      why=$(printf '%s\n' "$out" | grep -m1 -E 'Error|violation|error:' || echo "exit $rc, ${execs:-0} executions")
      printf 'FAIL %-20s %-5s %s\n' "$name" "$model" "$why"; fail=$((fail + 1))
      [ -n "${GENMC_VERBOSE:-}" ] && printf '%s\n' "$out"
    fi
  done
done < "$here/clients.def"
echo "verify: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
