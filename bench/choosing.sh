#!/bin/sh
# bench/choosing.sh RESULTS_DIR LABEL > docs/choosing.md
#
# The guide to choosing a structure, with its ratios computed from a bench
# run's raw CSVs (RESULTS_DIR/FAMILY.csv) by the harness's own method: the
# median over rounds of the per-round ratio entry / other entry (the values
# bench/results/FAMILY_summary.csv holds where that pair is in it).  LABEL
# names the run (machine and date).  `make bench` regenerates the guide
# after every full run, so its numbers cannot drift from the results.
set -eu
if [ $# -lt 2 ]; then
    echo "usage: $0 RESULTS_DIR LABEL" >&2
    exit 2
fi
results=$1
label=$2
here=$(dirname "$0")

# One row per workload: workload | structure | family | entry | mutex entry |
# progress | memory | when a mutex is the better choice.  Empty family: planned.
rows='counting, one total read often|`lf_counter` (`lf_counter_fetch_add`)|counter|lf_fetch_add|mutex|wait-free|none beyond the counter|when the count must change together with other data under a lock you already hold
counting, many writers, total read rarely|`lf_sharded_counter` (one shard per thread)|counter|lf_sharded|mutex|wait-free|one padded line per shard|when the exact total is read as often as it is written: `lf_sharded_counter_sum` reads every shard (then one `lf_counter`)
free list of type-stable nodes|`lf_stack` (Treiber, tagged)|stack|lf_stack|mutex|lock-free|intrusive; nodes never freed while the stack is in use|when nodes must be freed at once and hazard pointers are too much machinery
free list, nodes freed|`lf_stack` + `lf_stack_pop_hp`|stack_hp||mutex|lock-free|hazard pointers: at most max(2H, 64) + H retired per record|as for `lf_stack` (this family has no mutex entry)
work queue, every thread enqueues and dequeues|`lf_queue` (Michael-Scott) + hazard pointers|queue|lf_queue|mutex|lock-free|a node per value, recycled through hazard pointers|under heavy contention on few cores: the mutex runs turns with every line in one cache; choose `lf_queue` for progress (no waiting on a preempted lock holder), not throughput
work queue, separate producers and consumers|`lf_queue`|prodcons|lf_queue|mutex|lock-free|as above; dequeued nodes return to producers in batches, no malloc per value once they circulate|as above
bounded work queue, separate producers and consumers|`lf_ring` (SCQ)|prodcons|lf_ring|mutex|lock-free|a few words per place, allocated at init; no allocation after|when a full or empty ring must block the caller: lf_ring only reports LF_FULL / LF_EMPTY
pipeline stage to stage|`lf_spsc`|prodcons|lf_spsc|mutex|wait-free|capacity slots, allocated at init|when more than one thread must produce or consume: one of each only
mailbox, many senders one receiver|`lf_mpsc` (Vyukov, intrusive)|prodcons|lf_mpsc|mutex|push wait-free; pop blocking (waits on a half-done push)|intrusive: the caller`s node, no allocation|when the receiver must never wait on a preempted sender
fork-join, fine-grained tasks (fib, no cutoff)|`lf_pool` (work stealing on `lf_deque`)|pool_fib|lf_pool|mutex_pool|blocking (idle workers sleep); deque operations lock-free|tasks are the caller`s (on the spawner`s stack); no allocation per task|rarely: one shared task list under a lock serialises every spawn
fork-join, coarse tasks (quicksort, 2048-element cutoff)|`lf_pool`|pool_sort|lf_pool|mutex_pool|as above|as above|when tasks are few and long: scheduling cost vanishes, a simple locked list does as well
work stealing in your own scheduler: owner push/pop|`lf_deque` (Chase-Lev, growable)|deque|lf_deque|mutex_deque|owner wait-free (except growth), steal lock-free|old buffers kept until destroy|when several threads must push: only the owner may
work stealing: steals by thieves|`lf_deque`|deque_steal|lf_deque|mutex_deque|as above|as above|as above'

guide='
FILENAME == "-" {
    nrows++
    n = split($0, c, "|")
    for (i = 1; i <= n; i++) { gsub(/`s/, "\047s", c[i]); cell[nrows, i] = c[i] }
    if (c[4] == "" && c[3] != "") cell[nrows, 4] = "lf_stack_pop_hp"
    want[c[3]] = 1
    next
}
FNR == 1 { csv_header(); fam = FILENAME; sub(/.*\//, "", fam); sub(/\.csv$/, "", fam); unit = metric_name(); next }
fam in want {
    t = field("threads"); e = field("entry")
    if (!((fam, t) in seen_t)) { seen_t[fam, t] = 1; threads[fam] = threads[fam] " " t }
    if (!((fam, e) in seen_e)) { seen_e[fam, e] = 1; entries[fam] = entries[fam] " " e }
    v[fam, t, e, field("round")] = field(unit)
    rounds[fam, t, e] = rounds[fam, t, e] " " field("round")
}
function alternative(e) { return e ~ /^(ck_|urcu_|tbb_|openmp_)/ }
# Median over rounds of value(a) / value(b) at threads t, rounds paired by number.
function ratio(f, t, a, b,   rs, n, i, list) {
    n = split(rounds[f, t, a], rs, " ")
    list = ""
    for (i = 1; i <= n; i++)
        if ((f, t, b, rs[i]) in v && v[f, t, b, rs[i]] > 0)
            list = list " " (v[f, t, a, rs[i]] / v[f, t, b, rs[i]])
    if (list == "") return ""
    stats(list, s)
    return sprintf("%.2f", s["median"])
}
# Median throughput of entry e at threads t.
function level(f, t, e,   rs, n, i, list) {
    n = split(rounds[f, t, e], rs, " ")
    list = ""
    for (i = 1; i <= n; i++) list = list " " v[f, t, e, rs[i]]
    stats(list, s)
    return s["median"]
}
END {
    print "| workload | lfkit structure | progress | memory | ratio to a mutex, by threads | ratio to the best CK / liburcu (TBB / OpenMP for pools), by threads | when a mutex is the better choice |"
    print "|---|---|---|---|---|---|---|"
    for (r = 1; r <= nrows; r++) {
        f = cell[r, 3]; e = cell[r, 4]; m = cell[r, 5]
        if (f == "") {
            printf "| %s | %s | | | | | |\n", cell[r, 1], cell[r, 2]
            continue
        }
        if (!(f in threads)) {
            printf "| %s | %s | %s | %s | not in this run | not in this run | %s |\n", cell[r, 1], cell[r, 2], cell[r, 6], cell[r, 7], cell[r, 8]
            continue
        }
        nt = split(threads[f], ts, " ")
        vs_mutex = ""; behind = ""; vs_alt = ""; alts = ""; same = 1; first = ""
        for (i = 1; i <= nt; i++) {
            t = ts[i]
            if ((f, m) in seen_e && (f, t, e) in rounds && (f, t, m) in rounds) {
                x = ratio(f, t, e, m)
                vs_mutex = vs_mutex (vs_mutex == "" ? "" : " · ") t ": " x
                if (x + 0 < 1) behind = behind (behind == "" ? "" : ", ") t
            }
            best = ""; bestv = -1
            ne = split(entries[f], es, " ")
            for (j = 1; j <= ne; j++)
                if (alternative(es[j]) && (f, t, es[j]) in rounds && level(f, t, es[j]) > bestv) {
                    best = es[j]; bestv = level(f, t, es[j])
                }
            if (best != "" && (f, t, e) in rounds) {
                if (first == "") first = best
                if (best != first) same = 0
                vs_alt = vs_alt (vs_alt == "" ? "" : " · ") t ": " ratio(f, t, e, best)
                alts = alts (alts == "" ? "" : " · ") t ": " ratio(f, t, e, best) " (" best ")"
            }
        }
        if (vs_alt != "") vs_alt = same ? "`" first "` " vs_alt : alts
        if (vs_mutex == "") measured = ""
        else if (behind == "") measured = "Measured: the mutex was behind at every thread count."
        else measured = "Measured: the mutex was ahead at " behind " threads."
        when = cell[r, 8]
        printf "| %s | %s | %s | %s | %s | %s | %s%s%s |\n", cell[r, 1], cell[r, 2], cell[r, 6], cell[r, 7],
            vs_mutex == "" ? "not measured" : vs_mutex, vs_alt == "" ? "none measured" : vs_alt,
            when, (when != "" && measured != "") ? ". " : "", measured
    }
}'

cat <<HEAD
# Choosing a structure

<!-- Generated by bench/choosing.sh from $results/*.csv; \`make bench\` regenerates it. Do not edit: edit the script. -->

Which lfkit structure fits which job, what it guarantees, what its memory
costs, and how it measured against a mutex and against the best
Concurrency Kit or liburcu alternative (oneTBB and OpenMP for the pools) in
the latest full \`make bench\`: **$label**.

Each ratio is lfkit's throughput divided by the other entry's, the median
over the run's rounds of the per-round ratio (above 1: lfkit faster), at
each thread count the family ran; the min and max over rounds, and what
each benchmark does, are in [BENCHMARKS.md](BENCHMARKS.md) and the
[plots](plots/).  The "best" alternative is the one with the highest median
throughput at that thread count. On a machine with few CPUs the higher
thread counts are oversubscribed on purpose.

HEAD
printf '%s\n' "$rows" | awk -v script=choosing "$(cat "$here/csv.awk")$guide" - "$results"/*.csv
cat <<'TAIL'

Progress, in short: *wait-free* means every call finishes in a bounded
number of its own steps; *lock-free* means some call always finishes, so a
thread stalled or preempted mid-operation never stops the others; a mutex
gives neither: a preempted lock holder stops everyone who needs the lock.
Where the mutex measures faster, that is throughput bought with that risk;
choose it when throughput under contention is all that matters and no
thread can be stalled while holding the lock (no signal handlers, no
real-time deadlines).

`ck_fifo_mpmc`'s high figures come from reusing each dequeued node at
once, with no allocation; in this harness's checks it then reported empty
on a non-empty queue and delivered a producer's values out of order (see
BENCHMARKS.md), which `lf_queue` never does.
TAIL
