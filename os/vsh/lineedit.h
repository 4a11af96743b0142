/*
 * vsh's line editor: a pure state machine. It is fed the bytes a terminal in raw mode sends
 * and answers with the bytes to write back (echo, cursor moves, redraws); it never reads or
 * writes anything itself, so unit tests (tests/unit/vsh/test_lineedit.c) drive it with key
 * sequences on the host.
 *
 * Keys: printable characters insert at the cursor; left/right (ESC [ D / ESC [ C, ^B/^F),
 * home/end (ESC [ H / ESC [ F, ESC [ 1~ / ESC [ 4~, ESC O H / ESC O F, ^A/^E), backspace
 * (DEL or ^H), delete (ESC [ 3~), ^U (kill to the start), ^W (kill the word before the
 * cursor), ^K (kill to the end), up/down (ESC [ A / ESC [ B, ^P/^N) through the history the
 * caller passes, Enter (CR or LF) ends the line, ^D on an empty line is end of file, ^C
 * abandons the line, ^L redraws.
 */
#ifndef VSH_LINEEDIT_H
#define VSH_LINEEDIT_H

#include <stddef.h>

#define LE_MAX 4096

enum le_result { LE_MORE, LE_DONE, LE_EOF, LE_INTR };

struct le_out {
    char buf[LE_MAX * 2 + 256];
    size_t len;
};

struct lineedit {
    char line[LE_MAX];
    size_t len, cur;
    const char *prompt;
    char *const *history; /* oldest first; not owned */
    int nhistory;
    int hpos;           /* nhistory: the line being edited */
    char saved[LE_MAX]; /* the edited line while browsing the history */
    size_t saved_len;
    int esc; /* escape sequence state: 0 none, 1 ESC, 2 ESC [ or ESC O, 3 ESC [ digits */
    int esc_num;
};

void le_start(struct lineedit *le, const char *prompt, char *const *history, int nhistory,
              struct le_out *out);
/* one byte of input; output to write is appended to *out */
enum le_result le_feed(struct lineedit *le, unsigned char c, struct le_out *out);

#endif
