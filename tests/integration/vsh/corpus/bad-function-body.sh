f() echo not-compound
