echo before
: ${nothere:?is required}
echo after
