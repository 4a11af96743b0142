set -x
echo traced
set +x
echo untraced
