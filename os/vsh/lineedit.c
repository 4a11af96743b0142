/*
 * vsh's line editor (see lineedit.h): pure, no I/O, no allocation. The screen model is one
 * line: a redraw is CR, the prompt, the line, "erase to end of line" (ESC [ K) and the cursor
 * moved back (ESC [ n D). Lines longer than LE_MAX - 1 bytes stop taking input.
 */
#include "lineedit.h"

#include <stdio.h>
#include <string.h>

static void out_bytes(struct le_out *o, const char *s, size_t n)
{
    if (o->len + n > sizeof o->buf)
        n = sizeof o->buf - o->len;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_str(struct le_out *o, const char *s)
{
    out_bytes(o, s, strlen(s));
}

static void redraw(struct lineedit *le, struct le_out *o)
{
    out_str(o, "\r");
    out_str(o, le->prompt);
    out_bytes(o, le->line, le->len);
    out_str(o, "\x1b[K");
    if (le->len > le->cur) {
        char mv[32];
        snprintf(mv, sizeof mv, "\x1b[%zuD", le->len - le->cur);
        out_str(o, mv);
    }
}

void le_start(struct lineedit *le, const char *prompt, char *const *history, int nhistory,
              struct le_out *out)
{
    memset(le, 0, sizeof *le);
    le->prompt = prompt;
    le->history = history;
    le->nhistory = nhistory;
    le->hpos = nhistory;
    out_str(out, prompt);
}

static void set_line(struct lineedit *le, const char *s, size_t n)
{
    if (n > LE_MAX - 1)
        n = LE_MAX - 1;
    memcpy(le->line, s, n);
    le->len = le->cur = n;
}

static void history_move(struct lineedit *le, int dir, struct le_out *o)
{
    int np = le->hpos + dir;
    if (np < 0 || np > le->nhistory)
        return;
    if (le->hpos == le->nhistory) {
        memcpy(le->saved, le->line, le->len);
        le->saved_len = le->len;
    }
    le->hpos = np;
    if (np == le->nhistory)
        set_line(le, le->saved, le->saved_len);
    else
        set_line(le, le->history[np], strlen(le->history[np]));
    redraw(le, o);
}

static void delete_range(struct lineedit *le, size_t from, size_t to)
{
    memmove(le->line + from, le->line + to, le->len - to);
    le->len -= to - from;
    if (le->cur > to)
        le->cur -= to - from;
    else if (le->cur > from)
        le->cur = from;
}

static enum le_result key_escape(struct lineedit *le, unsigned char c, struct le_out *o)
{
    if (le->esc == 1) {
        le->esc = (c == '[' || c == 'O') ? 2 : 0;
        le->esc_num = 0;
        return LE_MORE;
    }
    if (c >= '0' && c <= '9') {
        le->esc = 3;
        le->esc_num = le->esc_num * 10 + (c - '0');
        return LE_MORE;
    }
    int num = le->esc_num;
    le->esc = 0;
    switch (c) {
    case 'A':
        history_move(le, -1, o);
        break;
    case 'B':
        history_move(le, 1, o);
        break;
    case 'C':
        if (le->cur < le->len) {
            le->cur++;
            out_str(o, "\x1b[C");
        }
        break;
    case 'D':
        if (le->cur > 0) {
            le->cur--;
            out_str(o, "\b");
        }
        break;
    case 'H':
        le->cur = 0;
        redraw(le, o);
        break;
    case 'F':
        le->cur = le->len;
        redraw(le, o);
        break;
    case '~':
        if (num == 1 || num == 7) {
            le->cur = 0;
            redraw(le, o);
        } else if (num == 4 || num == 8) {
            le->cur = le->len;
            redraw(le, o);
        } else if (num == 3 && le->cur < le->len) {
            delete_range(le, le->cur, le->cur + 1);
            redraw(le, o);
        }
        break;
    }
    return LE_MORE;
}

enum le_result le_feed(struct lineedit *le, unsigned char c, struct le_out *o)
{
    if (le->esc)
        return key_escape(le, c, o);
    switch (c) {
    case 27:
        le->esc = 1;
        return LE_MORE;
    case '\r':
    case '\n':
        le->line[le->len] = 0;
        out_str(o, "\r\n");
        return LE_DONE;
    case 4: /* ^D */
        if (!le->len) {
            out_str(o, "\r\n");
            return LE_EOF;
        }
        if (le->cur < le->len) {
            delete_range(le, le->cur, le->cur + 1);
            redraw(le, o);
        }
        return LE_MORE;
    case 3: /* ^C */
        le->len = le->cur = 0;
        le->line[0] = 0;
        out_str(o, "^C\r\n");
        return LE_INTR;
    case 1: /* ^A */
        le->cur = 0;
        redraw(le, o);
        return LE_MORE;
    case 5: /* ^E */
        le->cur = le->len;
        redraw(le, o);
        return LE_MORE;
    case 2: /* ^B */
        return key_escape(le, 'D', o);
    case 6: /* ^F */
        return key_escape(le, 'C', o);
    case 16: /* ^P */
        history_move(le, -1, o);
        return LE_MORE;
    case 14: /* ^N */
        history_move(le, 1, o);
        return LE_MORE;
    case 127:
    case 8: /* backspace */
        if (le->cur > 0) {
            delete_range(le, le->cur - 1, le->cur);
            redraw(le, o);
        }
        return LE_MORE;
    case 21: /* ^U */
        delete_range(le, 0, le->cur);
        redraw(le, o);
        return LE_MORE;
    case 11: /* ^K */
        le->len = le->cur;
        redraw(le, o);
        return LE_MORE;
    case 23: { /* ^W */
        size_t i = le->cur;
        while (i > 0 && le->line[i - 1] == ' ')
            i--;
        while (i > 0 && le->line[i - 1] != ' ')
            i--;
        delete_range(le, i, le->cur);
        redraw(le, o);
        return LE_MORE;
    }
    case 12: /* ^L */
        out_str(o, "\x1b[H\x1b[2J");
        redraw(le, o);
        return LE_MORE;
    }
    if (c < 32 || le->len >= LE_MAX - 1)
        return LE_MORE;
    memmove(le->line + le->cur + 1, le->line + le->cur, le->len - le->cur);
    le->line[le->cur++] = (char)c;
    le->len++;
    if (le->cur == le->len)
        out_bytes(o, (const char *)&c, 1);
    else
        redraw(le, o);
    return LE_MORE;
}
