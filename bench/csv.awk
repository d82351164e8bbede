# bench/csv.awk - awk functions shared by bench/plot.sh and bench/choosing.sh
# (POSIX awk, mawk too).  Columns are found by their header name, so columns
# the harness adds later are ignored.  Each script prepends this text to its
# own program.
BEGIN { FS = "," }

# On a header line: remember each column's index by name (per file: col_<file>).
function csv_header(   i) {
    split("", col)
    for (i = 1; i <= NF; i++)
        col[$i] = i
}

# The field named name on the current line; a missing column stops the script.
function field(name) {
    if (!(name in col)) {
        printf "%s: no column \"%s\" in %s\n", script, name, FILENAME > "/dev/stderr"
        exit 2
    }
    return $(col[name])
}

# The throughput column: ops_per_s (fixed-duration families) or runs_per_s (fixed work).
function metric_name() {
    return ("ops_per_s" in col) ? "ops_per_s" : "runs_per_s"
}

# Median, min and max of the space-separated numbers in list, as bench/main.c's
# stats() computes them (the median of an even count is the mean of the middle two).
function stats(list, out,   v, n, i, j, t) {
    n = split(list, v, " ")
    for (i = 1; i <= n; i++)
        v[i] += 0
    for (i = 2; i <= n; i++) {
        t = v[i]
        for (j = i - 1; j >= 1 && v[j] > t; j--)
            v[j + 1] = v[j]
        v[j + 1] = t
    }
    out["median"] = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    out["min"] = v[1]
    out["max"] = v[n]
    return n
}
