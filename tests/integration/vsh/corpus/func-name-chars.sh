my_func2() { echo ok; }
my_func2
_under() { echo under; }
_under
