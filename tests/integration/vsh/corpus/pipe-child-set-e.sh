set -e
for i in 1; do false; echo not-here; done | { read l; echo "[$l]"; }
echo survived
