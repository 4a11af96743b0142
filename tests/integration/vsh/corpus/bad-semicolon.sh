echo a
;
