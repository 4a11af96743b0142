set -e
f() { false; echo not-here; }
f && echo "in and-list" || echo "f failed"
echo survived
