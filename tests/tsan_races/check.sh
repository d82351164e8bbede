#!/usr/bin/env bash
# Runs the ThreadSanitizer negative tests (race.h): check.sh BUILD_DIR NAME...
# Each NAME must make TSan report exactly one data race, on race_user_data
# (exit 66).
set -u
build=$1
shift
export TSAN_OPTIONS="halt_on_error=0 exitcode=66"
status=0
for t in "$@"; do
    log=$build/$t.log
    timeout 120 "$build/$t" >"$log" 2>&1
    rc=$?
    races=$(grep -c 'WARNING: ThreadSanitizer: data race' "$log")
    ours=$(grep -c "Location is global 'race_user_data'" "$log")
    if [ "$rc" = 66 ] && [ "$races" = 1 ] && [ "$ours" = 1 ]; then
        echo "ok: $t: TSan reports the race"
    elif [ "$rc" = 0 ] && [ "$races" = 0 ]; then
        echo "FAIL: $t: TSan is silent about a race C11 does not order; see $log"
        status=1
    else
        echo "FAIL: $t: exit $rc, $races race reports ($ours on race_user_data); see $log"
        status=1
    fi
done
exit $status
