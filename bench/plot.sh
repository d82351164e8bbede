#!/bin/sh
# bench/plot.sh RESULTS_DIR PLOTS_DIR [LABEL]
#
# One SVG per benchmark family, PLOTS_DIR/FAMILY.svg, from the harness's CSVs
# in RESULTS_DIR (FAMILY.csv: every trial; FAMILY_summary.csv: per-round
# ratios): first throughput against threads for every entry (median over the
# rounds, bars from min to max), then, for each reference entry, every other
# entry's per-round ratio to it (median, bars from min to max).  LABEL (the
# machine and date of the run) goes under each chart's title.  `make bench`
# runs it after the run; needs gnuplot (Debian: gnuplot-nox).
set -eu
if [ $# -lt 2 ]; then
    echo "usage: $0 RESULTS_DIR PLOTS_DIR [LABEL]" >&2
    exit 2
fi
results=$1
plots=$2
label=${3:-}
here=$(dirname "$0")
command -v gnuplot >/dev/null || { echo "plot: gnuplot not found (Debian: apt-get install gnuplot-nox)" >&2; exit 1; }
mkdir -p "$plots"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The data files one family's charts read, written into directory dir:
#   entries, refs:         names, one a line, in the harness's order
#   threads, xs:           per thread count, '"LABEL" X' (gnuplot xtics) and X, where X is the
#                          count itself, or for a configuration label such as 2P2C its ordinal
#   tp.ENTRY:              X median min max (throughput; Mops/s or runs/s)
#   ratio.REF.ENTRY:       X median min max (ratio of ENTRY to REF)
#   unit:                  ops_per_s or runs_per_s
family_data='
FNR == 1 { csv_header(); summary = FILENAME ~ /_summary\.csv$/; if (!summary) unit = metric_name(); next }
!summary {
    t = field("threads"); e = field("entry"); k = e SUBSEP t
    if (!(e in seen_entry)) { seen_entry[e] = 1; entries[++nentries] = e }
    if (!(t in seen_threads)) { seen_threads[t] = 1; threads[++nthreads] = t; pos[t] = t ~ /^[0-9]+$/ ? t : nthreads }
    if (!(k in rounds)) { order[++nkeys] = k }
    rounds[k] = rounds[k] " " field(unit)
    next
}
{
    r = field("reference"); e = field("entry")
    if (!(r in seen_ref)) { seen_ref[r] = 1; refs[++nrefs] = r }
    print pos[field("threads")], field("ratio_median"), field("ratio_min"), field("ratio_max") > (dir "/ratio." r "." e)
}
END {
    scale = unit == "ops_per_s" ? 1e6 : 1
    for (i = 1; i <= nkeys; i++) {
        split(order[i], ke, SUBSEP)
        stats(rounds[order[i]], s)
        printf "%s %.6g %.6g %.6g\n", pos[ke[2]], s["median"] / scale, s["min"] / scale, s["max"] / scale > (dir "/tp." ke[1])
    }
    for (i = 1; i <= nentries; i++) print entries[i] > (dir "/entries")
    for (i = 1; i <= nrefs; i++) print refs[i] > (dir "/refs")
    for (i = 1; i <= nthreads; i++) print "\"" threads[i] "\" " pos[threads[i]] > (dir "/threads")
    for (i = 1; i <= nthreads; i++) print pos[threads[i]] > (dir "/xs")
    print unit > (dir "/unit")
}'

# Colours told apart with colour-blindness too (Okabe and Ito), by entry: the same in every chart of a family.
palette='#0072b2 #d55e00 #009e73 #cc79a7 #e69f00 #56b4e9 #000000 #999999'

# gnuplot lines for one chart: "plot" and a series per entry of list whose data file exists.
plot_series() { # $1: data file prefix, $2: entries, $3: x offset step between entries
    n=0
    for e in $2; do [ -f "$1$e" ] && n=$((n + 1)); done
    printf 'plot '
    [ "$3" = 0 ] || printf '1 with lines dashtype 2 linecolor "black" notitle, '
    i=0 k=0 sep=
    for e in $2; do
        i=$((i + 1))
        [ -f "$1$e" ] || continue
        case $e in lf_*) width=3 ;; *) width=1.5 ;; esac # lfkit's own entries stand out
        printf '%s"%s" using ($1 + %s * (%d - (%d + 1) / 2.0)):2:3:4 with yerrorlines linetype %d pointtype %d linewidth %s title "%s"' \
            "$sep" "$1$e" "$3" $((k + 1)) "$n" "$i" "$i" "$width" "$e"
        k=$((k + 1)) sep=', '
    done
    printf '\n'
}

count=0
for raw in "$results"/*.csv; do
    case $raw in *_summary.csv | *_latency.csv) continue ;; esac  # latency tables are not plotted
    [ -f "$raw" ] || continue
    family=$(basename "$raw" .csv)
    summary="$results/${family}_summary.csv"
    [ -f "$summary" ] || { echo "plot: no $summary, skipping $family" >&2; continue; }
    dir="$work/$family"
    mkdir -p "$dir"
    awk -v dir="$dir" -v script=plot "$(cat "$here/csv.awk")$family_data" "$raw" "$summary"
    [ -s "$dir/entries" ] || { echo "plot: no trials in $raw, skipping $family" >&2; continue; }
    entries=$(cat "$dir/entries")
    refs=$(cat "$dir/refs" 2>/dev/null || true)
    xtics=$(paste -s -d, "$dir/threads")
    xmin=$(head -n 1 "$dir/xs")
    xmax=$(tail -n 1 "$dir/xs")
    if [ "$(cat "$dir/unit")" = ops_per_s ]; then
        ylabel="Mops/s" xlabel="threads"
    else
        ylabel="runs/s" xlabel="workers"
    fi
    panels=$((1 + $(printf '%s\n' $refs | grep -c .)))
    {
        printf 'set terminal svg size 800,%d dynamic noenhanced font "sans,12" background "white"\n' $((panels * 340 + 40))
        printf 'set output "%s/%s.svg"\n' "$plots" "$family"
        printf 'set multiplot layout %d,1 title "%s%s"\n' "$panels" "$family" "${label:+ ($label)}"
        i=0
        for c in $palette; do i=$((i + 1)); printf 'set linetype %d linecolor rgb "%s"\n' "$i" "$c"; done
        printf 'set linetype cycle 8\n'
        printf 'set logscale y\nset grid\nset key outside right top\nset bars small\nset lmargin 10\nset rmargin 24\n'
        printf 'set xrange [%s - 0.5 : %s + 0.5]\nset xtics (%s)\nset xlabel "%s"\n' "$xmin" "$xmax" "$xtics" "$xlabel"
        printf 'set title "throughput: median over rounds, bars min to max (higher is better)"\n'
        printf 'set ylabel "%s"\n' "$ylabel"
        plot_series "$dir/tp." "$entries" 0
        for r in $refs; do
            printf 'set title "per-round ratio to %s: median, bars min to max (above 1: faster than %s)"\n' "$r" "$r"
            printf 'set ylabel "x %s"\n' "$r"
            plot_series "$dir/ratio.$r." "$entries" 0.06
        done
        printf 'unset multiplot\n'
    } > "$dir/plot.gp"
    gnuplot "$dir/plot.gp"
    count=$((count + 1))
done
echo "plot: $count families charted into $plots"
