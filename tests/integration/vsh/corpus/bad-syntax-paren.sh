echo start
( echo unbalanced
