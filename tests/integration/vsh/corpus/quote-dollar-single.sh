echo '$HOME' "\$HOME" '"'"'"
