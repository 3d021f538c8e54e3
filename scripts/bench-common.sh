# Shared by the benchmark scripts (sourced, not run): timing one run and taking medians.
# The caller sets `t` to a scratch file and declares `declare -A wall user sys rss`.

# record NAME COMMAND...: runs the command under GNU time and appends its wall, user and system
# seconds and peak RSS (KiB) to the named entry of each array.
record() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$t" "$@" >/dev/null 2>&1
  read -r w u s m < "$t"
  wall[$name]+="$w "; user[$name]+="$u "; sys[$name]+="$s "; rss[$name]+="$m "
}

# median: the median of the numbers on standard input (separated by spaces or lines).
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
