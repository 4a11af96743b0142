set -u
echo ${defined:-ok}
( echo $undefined_here ) 2>/dev/null || echo "unset error"
set +u
echo "[$undefined_here]"
