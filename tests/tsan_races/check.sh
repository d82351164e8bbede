#!/usr/bin/env bash
# Runs the ThreadSanitizer negative tests (race.h): check.sh BUILD_DIR "SILENT" NAME...
# Each NAME must make TSan report exactly one data race, on race_user_data
# (exit 66), unless it is listed in SILENT: those are expected silent
# (exit 0, no report) until their structure's TSan substitute is gone, and
# once they are reported the check fails, asking to take them off the list.
set -u
build=$1 silent=$2
shift 2
export TSAN_OPTIONS="halt_on_error=0 exitcode=66"
status=0
for t in "$@"; do
    log=$build/$t.log
    timeout 120 "$build/$t" >"$log" 2>&1
    rc=$?
    races=$(grep -c 'WARNING: ThreadSanitizer: data race' "$log")
    ours=$(grep -c "Location is global 'race_user_data'" "$log")
    case " $silent " in *" $t "*) expect=silent ;; *) expect=reported ;; esac
    if [ "$rc" = 66 ] && [ "$races" = 1 ] && [ "$ours" = 1 ]; then
        got=reported
    elif [ "$rc" = 0 ] && [ "$races" = 0 ]; then
        got=silent
    else
        echo "FAIL: $t: exit $rc, $races race reports ($ours on race_user_data); see $log"
        status=1
        continue
    fi
    if [ "$got" = "$expect" ]; then
        echo "ok: $t: TSan $got$([ "$expect" = silent ] && echo ' (expected until its TSan substitute goes: TSAN_RACES_SILENT)')"
    elif [ "$got" = reported ]; then
        echo "FAIL: $t: TSan now reports the race: remove it from TSAN_RACES_SILENT in the Makefile"
        status=1
    else
        echo "FAIL: $t: TSan is silent about a race C11 does not order; see $log"
        status=1
    fi
done
exit $status
