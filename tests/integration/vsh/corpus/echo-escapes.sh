echo 'a\tb'
echo 'no newline\c'; echo
echo -n 'dash-n '; echo end
echo 'oct\0101'
