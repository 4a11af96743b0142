/*
 * vsh: the shell's shared declarations (see main.c for the contract and the design).
 *
 * One struct vsh holds all of the shell's state and is passed everywhere; a subshell is the
 * same struct saved and restored around a run (exec.c), so nothing here may live in a global.
 */
#ifndef VSH_H
#define VSH_H

#include <stddef.h>
#include <signal.h>
#include <sys/types.h>

/* ---- memory ---- */
void *vsh_alloc(size_t n);
void *vsh_realloc(void *p, size_t n);
char *vsh_strdup(const char *s);
char *vsh_strndup(const char *s, size_t n);

/* a growable string */
struct sbuf {
    char *s;
    size_t len, cap;
};
void sb_putc(struct sbuf *b, char c);
void sb_puts(struct sbuf *b, const char *s);
void sb_putn(struct sbuf *b, const char *s, size_t n);
char *sb_take(struct sbuf *b); /* the NUL-terminated string; b is left empty */
void sb_free(struct sbuf *b);

/* a parse arena: every node and word of one parse, freed at once */
struct arena {
    struct arena_chunk *chunks;
};
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);

/* ---- the syntax tree ---- */
enum redir_kind {
    R_IN,      /* <  */
    R_OUT,     /* >  */
    R_APPEND,  /* >> */
    R_CLOBBER, /* >| */
    R_RDWR,    /* <> */
    R_DUPIN,   /* <& */
    R_DUPOUT,  /* >& */
    R_HEREDOC, /* << and <<- */
};

struct redir {
    struct redir *next;
    enum redir_kind kind;
    int fd;
    char *word;      /* target (raw, expanded at run time), or the here-document's body */
    int heredoc_lit; /* here-document with a quoted delimiter: no expansion */
};

struct word {
    struct word *next;
    char *text; /* raw source text, quotes included */
};

enum node_kind {
    N_CMD,
    N_PIPE,
    N_AND,
    N_OR,
    N_SEQ,
    N_BG,
    N_NOT,
    N_SUBSHELL,
    N_GROUP,
    N_IF,
    N_WHILE,
    N_UNTIL,
    N_FOR,
    N_CASE,
    N_FUNC,
};

struct case_item {
    struct case_item *next;
    struct word *patterns;
    struct node *body;
    int fallthrough; /* ;& (not POSIX, accepted) */
};

struct node {
    enum node_kind kind;
    int line;
    char *text;           /* a command's source text (NULL: unknown) */
    struct redir *redirs; /* on simple and compound commands */
    union {
        struct {
            struct word *assigns;
            struct word *args;
        } cmd;
        struct {
            struct node **elems;
            int n;
        } pipe;
        struct {
            struct node *a, *b;
        } bin; /* AND, OR, SEQ; BG and NOT use a */
        struct {
            struct node *cond, *then, *els;
        } ifs;
        struct {
            struct node *cond, *body;
        } loop;
        struct {
            char *var;
            struct word *words;
            int has_in;
            struct node *body;
        } fors;
        struct {
            struct word *subject;
            struct case_item *items;
        } cases;
        struct {
            char *name;
            char *text; /* the body's source text: re-parsed into the function's own arena */
        } func;
        struct node *body; /* SUBSHELL, GROUP */
    } u;
};

/* ---- input and the parser ---- */
struct vsh;
struct src {
    char *buf;
    size_t len, cap, pos;
    int line, col;
    /* more input (a line) appended to buf; 0, or -1 at the end */
    int (*more)(struct vsh *sh, struct src *s);
    int fd;          /* for more_fd */
    int interactive; /* prompt with PS2 when more is needed */
    int eof;
    int exec_last; /* vsh -c: the last simple command may replace the shell */
};

enum parse_status { P_OK, P_EMPTY, P_EOF, P_ERROR };
/* Parses one complete command (up to a newline at top level) into *out. P_EMPTY: a blank
 * line; P_EOF: nothing left; P_ERROR: a syntax error, reported on stderr with line:column and
 * the rest of the line skipped. */
enum parse_status parse_command(struct vsh *sh, struct src *s, struct arena *a, struct node **out);
/* the whole of TEXT (a function body, eval, $(...)); NULL and a message on a syntax error */
struct node *parse_string(struct vsh *sh, const char *text, struct arena *a, int *err);
void src_init_string(struct src *s, const char *text);

/* ---- variables ---- */
#define V_EXPORT 1
#define V_RDONLY 2
struct var {
    struct var *next;
    char *name;
    char *value; /* NULL: unset (kept for export/readonly attributes) */
    int flags;
};

struct localsave {
    struct localsave *next;
    char *name;
    char *value;
    int flags;
    int existed;
};

struct func {
    struct func *next;
    char *name;
    char *text;
    struct node *body;
    struct arena arena;
    int owner;   /* 0: a subshell's copy of the entry (name, text and body are the parent's) */
    int running; /* calls in progress: a redefinition frees the old body after the last one */
    int dead;    /* unlinked while running */
};
void func_release(struct func *f); /* unlinked from the list: freed now or after its calls */

struct alias {
    struct alias *next;
    char *name, *value;
};

#define VSH_NSIG 65

enum job_state { JOB_RUNNING, JOB_STOPPED, JOB_DONE };
struct job {
    struct job *next;
    int id;
    long *pids; /* a pipeline's processes, the last one's status is the job's */
    int *done;
    int npids;
    char *name;
    enum job_state state;
    int status;
    int notify; /* say "Done" at the next prompt */
    long last_pid;
};
struct savedfd {
    int fd, saved; /* saved == -1: fd was closed */
};

struct vsh {
    struct var *vars;
    struct func *funcs;
    struct alias *aliases;
    char **params; /* $1... */
    int nparams;
    char *arg0;
    char *traps[VSH_NSIG]; /* [0] is EXIT */
    int status;            /* $? */
    long lastbg;           /* $! */
    long pid;              /* $$ */
    /* options */
    int opt_e, opt_u, opt_x, opt_f, opt_n, opt_v, opt_C, opt_a;
    struct job *jobs;
    struct node *exec_hint; /* vsh -c: this last simple command may replace the shell */
    int interactive;
    int errexit_suppressed; /* inside if/while conditions, && || lists, ! */
    /* control flow unwinding */
    enum {
        U_NONE,
        U_BREAK,
        U_CONTINUE,
        U_RETURN,
        U_EXIT,
        U_ABORT
    } unwind; /* U_ABORT: to the top */
    int unwind_count;
    int loop_depth;
    int func_depth;
    int subshell_depth;
    struct localsave *locals; /* the current function's saved variables */
    int cmdsub_ran;           /* a command substitution ran: its status is $? */
    int tmpseq;               /* temporary file names */
    int in_trap;
    int trap_changes; /* trap_install calls: a subshell that made any resyncs on leaving */
    int got_intr;     /* an untrapped SIGINT arrived (interactive: abandon the command line) */
    int exiting;
    /* interactive state */
    char **history;
    int nhistory;
    char *histfile;
    int lineno;
    struct src *cursrc;
    const char *stack_base; /* main's frame: how deep the recursion has gone */
};

/* the guest stack is 256 KiB: recursion (functions, eval, nested subshells, the parser) stops
 * with an error well before it runs out */
#define VSH_STACK_LIMIT (192u << 10)
int stack_exhausted(struct vsh *sh, size_t slack);

/* vars.c */
const char *var_get(struct vsh *sh, const char *name);
int var_set(struct vsh *sh, const char *name, const char *value, int flags); /* 0 or -1 */
int var_unset(struct vsh *sh, const char *name);
struct var *var_find(struct vsh *sh, const char *name);
char **var_environ(struct vsh *sh);
void env_free(char **env);
int valid_name(const char *s, size_t n);
void vars_import(struct vsh *sh, char **env);
struct var *vars_copy(struct var *v);
void vars_free(struct var *v);
int local_var(struct vsh *sh, const char *name, const char *value);

/* expand.c */
#define EXP_FIELDS 0  /* field splitting and pathname expansion: a list of fields */
#define EXP_STR 1     /* one string: assignments, redirection targets, here-documents */
#define EXP_PAT 2     /* one pattern: quoted characters are backslash-escaped */
#define EXP_ASSIGN 4  /* tilde expansion after ':' and '=' too */
#define EXP_HEREDOC 8 /* only $, ` and \ are special (here-documents) */
/* returns 0, or -1 after an error was reported (the command fails) */
int expand_word(struct vsh *sh, const char *text, int mode, char ***fields, int *nfields);
int expand_words(struct vsh *sh, struct word *w, char ***argv, int *argc);
char *expand_str(struct vsh *sh, const char *text, int mode); /* NULL on error */
void fields_free(char **f, int n);
int arith_eval(struct vsh *sh, const char *expr, long *out);
char *cmdsubst(struct vsh *sh, const char *text); /* output, trailing newlines removed */
char *passwd_home(const char *user, long uid);

/* exec.c */
int exec_node(struct vsh *sh, struct node *n);
int exec_string(struct vsh *sh, const char *text, const char *what); /* eval, traps, -c */
int run_src(struct vsh *sh, struct src *s); /* a script or the interactive loop */
void sh_error(struct vsh *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void sh_exit(struct vsh *sh, int status);
int redirs_apply(struct vsh *sh, struct redir *r, struct savedfd **saved, int *nsaved);
void redirs_restore(struct savedfd *saved, int nsaved);
int tmpfile_open(struct vsh *sh, char *name, size_t len);
char *find_in_path(struct vsh *sh, const char *name, int *perm);
int wait_child(struct vsh *sh, long pid);

/* jobs.c */
void signals_init(struct vsh *sh);
int trap_install(struct vsh *sh, int sig, const char *action);
void traps_resync(struct vsh *sh);
void child_sigdefaults(struct vsh *sh, sigset_t *set);
int signals_run_pending(struct vsh *sh);
struct job *job_add(struct vsh *sh, const long *pids, int n, const char *name, int state);
void jobs_poll(struct vsh *sh, int notify);
int wait_fg(struct vsh *sh, const long *pids, int n, const char *name);
const char *sig_name(int sig);
int sig_number(const char *s);
long spawn_program(struct vsh *sh, const char *path, char **argv, char **env, int *st, int bg);
struct func *func_find(struct vsh *sh, const char *name);
int run_trap(struct vsh *sh, int sig);
void exec_replace(struct vsh *sh, const char *path, char **argv, char **env);
void history_save(struct vsh *sh);
void raise_exit(struct vsh *sh, int status); /* unwinds to the shell or the subshell */

/* builtins.c */
typedef int (*builtin_fn)(struct vsh *sh, int argc, char **argv);
struct builtin {
    const char *name;
    builtin_fn fn;
    int special; /* POSIX special builtin: assignments persist, errors exit */
};
const struct builtin *builtin_find(const char *name);
extern const struct builtin job_builtins[];
int vsh_getopt_r(char **argv, int *idx);
void out_str(int fd, const char *s);

/* history (interactive) */
void history_add(struct vsh *sh, const char *line);
void history_load(struct vsh *sh);
int history_expand(struct vsh *sh, const char *line, char **out); /* 1 when changed, -1 error */

#endif
