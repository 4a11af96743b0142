echo before
echo 'unterminated
