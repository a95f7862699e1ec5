/*
 * enforcecore-launcher: confine this process, then execve the tool in its place.
 *
 * The Node side (guard/index.ts) cannot run code between fork and exec, so every confinement step
 * happens here, in this order, and any failure ends the launcher BEFORE the tool runs (fail
 * closed: the tool is never exec'd unconfined):
 *
 *   1. parse argv                      (exit 64 on a malformed command line)
 *   2. read the seccomp BPF programs    from --seccomp-fd, until EOF (format: see read_programs)
 *   3. PR_SET_PDEATHSIG(SIGKILL)        the tool dies with the Node process that spawned it
 *   4. join the cgroups                 write our own pid into each DIR/cgroup.procs
 *   5. setrlimit                        CPU, FSIZE, NOFILE, NPROC, AS, CORE (only those given)
 *   6. unshare(CLONE_NEWNET)            (root; else a user namespace first), loopback up
 *  6b. drop the bounding and ambient capability sets (before setuid takes CAP_SETPCAP away)
 *   7. setgroups/setgid/setuid          when --gid/--uid are given; PDEATHSIG set again
 *   8. chdir
 *   9. environment                      cleared to the --env allow list
 *  10. close every fd >= 3              (close_range CLOEXEC; the status fd is CLOEXEC as well)
 *  11. Landlock                         read-only / read-write path rules, ABI detected
 *  12. drop capabilities                inheritable, permitted, effective (capset)
 *  13. PR_SET_NO_NEW_PRIVS
 *  14. seccomp(SECCOMP_SET_MODE_FILTER) the programs from step 2, in order
 *  15. execve                          PATH search in the allowed environment
 *
 * Status protocol: --status-fd N is a pipe/socket to the parent, marked CLOEXEC. On success the
 * parent sees EOF without a byte (the exec closed it). On failure the launcher writes exactly one
 * line "STEP\tERRNO\tMESSAGE\n" and exits with the step's code (below). The parent trusts the
 * status line, not the exit code, because the tool may exit with any code itself.
 *
 * `--probe` prints what this kernel supports (one "key value" per line) and exits 0.
 *
 * Linux-only parts are under __linux__; elsewhere (macOS) only rlimits, env, cwd and exec remain.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __linux__
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#if defined(SECCOMP_IOCTL_NOTIF_RECV) && defined(SYS_pidfd_open) && defined(SYS_process_vm_readv)
#define HAVE_NOTIFY 1
#endif
#endif

/* ---- exit codes (one per step) ---------------------------------------------------------------- */
#define EX_USAGE_ 64
#define EX_SECCOMP_READ 70
#define EX_RLIMIT 71
#define EX_CGROUP 72
#define EX_NETNS 73
#define EX_IDS 74
#define EX_CHDIR 75
#define EX_ENV 76
#define EX_FDS 77
#define EX_LANDLOCK 78
#define EX_CAPS 79
#define EX_NNP 80
#define EX_SECCOMP 81
#define EX_PDEATHSIG 82
#define EX_NOTIFY 83
#define EX_EXEC_NOPERM 126
#define EX_EXEC_NOENT 127

#define MAX_LIST 256
#define MAX_BPF_INSNS 4096

static int status_fd = -1;
static pid_t death_parent = -1; /* the process whose death must kill us (PDEATHSIG), -1: none */

static void write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    buf += n;
    len -= (size_t)n;
  }
}

/* Report STEP failed with errno ERR and exit with CODE. Never returns. */
static void die(int code, const char *step, int err, const char *fmt, ...) {
  char msg[1024];
  char line[1400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  for (char *p = msg; *p; p++)
    if (*p == '\n' || *p == '\t') *p = ' ';
  int n = snprintf(line, sizeof line, "%s\t%d\t%s%s%s\n", step, err, msg, err ? ": " : "", err ? strerror(err) : "");
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof line) n = sizeof line - 1;
  if (status_fd >= 0) write_all(status_fd, line, (size_t)n);
  else write_all(2, line, (size_t)n);
  _exit(code);
}

static int parse_u64(const char *s, unsigned long long *out) {
  if (!s || !*s) return -1;
  if (strcmp(s, "inf") == 0) {
    *out = (unsigned long long)RLIM_INFINITY;
    return 0;
  }
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || s[0] == '-') return -1;
  *out = v;
  return 0;
}

static int parse_int(const char *s, int *out) {
  unsigned long long v;
  if (parse_u64(s, &v) || v > INT_MAX) return -1;
  *out = (int)v;
  return 0;
}

struct rl {
  int resource;
  const char *name;
  rlim_t soft, hard;
};

static int rlimit_by_name(const char *name) {
  if (strcmp(name, "CPU") == 0) return RLIMIT_CPU;
  if (strcmp(name, "FSIZE") == 0) return RLIMIT_FSIZE;
  if (strcmp(name, "NOFILE") == 0) return RLIMIT_NOFILE;
  if (strcmp(name, "NPROC") == 0) return RLIMIT_NPROC;
  if (strcmp(name, "AS") == 0) return RLIMIT_AS;
  if (strcmp(name, "CORE") == 0) return RLIMIT_CORE;
  return -1;
}

struct config {
  struct rl rlimits[16];
  int n_rlimits;
  const char *cgroups[16];
  int n_cgroups;
  const char *env_allow[MAX_LIST];
  int n_env;
  const char *ll_ro[MAX_LIST];
  int n_ll_ro;
  const char *ll_rw[MAX_LIST];
  int n_ll_rw;
  int landlock;         /* --landlock given: apply a ruleset even when both lists are empty */
  int landlock_scope;   /* --landlock-scope: also scope signals and abstract unix sockets (ABI >= 6) */
  int netns;
  int netns_lo;         /* bring loopback up in the new netns */
  int drop_caps;
  long pdeathsig_parent; /* --pdeathsig PPID: die with the parent; PPID must be our parent now; -1 = off */
  long uid, gid;        /* -1 = unchanged */
  const char *cwd;
  int seccomp_fd;
  int notify_action;    /* --notify errno|kill|log: supervise (0 = no supervisor) */
  int events_fd;        /* --events-fd N: the supervisor's event lines to the parent */
  char **argv;          /* command + args */
};
#define ACTION_ERRNO 1
#define ACTION_KILL 2
#define ACTION_LOG 3

static void usage(const char *why, const char *arg) {
  die(EX_USAGE_, "usage", 0, "%s%s%s", why, arg ? " " : "", arg ? arg : "");
}

static void parse(int argc, char **argv, struct config *c) {
  memset(c, 0, sizeof *c);
  c->seccomp_fd = -1;
  c->events_fd = -1;
  c->uid = c->gid = -1;
  c->pdeathsig_parent = -1;
  int i = 1;
  /* --status-fd first, so later usage errors are reported on it. */
  for (int j = 1; j + 1 < argc && strcmp(argv[j], "--") != 0; j++) {
    if (strcmp(argv[j], "--status-fd") == 0) {
      int fd;
      if (parse_int(argv[j + 1], &fd) == 0 && fcntl(fd, F_GETFD) >= 0) {
        status_fd = fd;
        fcntl(fd, F_SETFD, FD_CLOEXEC);
      }
      break;
    }
  }
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE() \
  do {               \
    if (!v) usage("missing value for", a); \
    i++;             \
  } while (0)
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    } else if (strcmp(a, "--status-fd") == 0) {
      NEED_VALUE();
      int fd;
      if (parse_int(v, &fd) || fd != status_fd) usage("bad --status-fd", v);
    } else if (strcmp(a, "--rlimit") == 0) {
      NEED_VALUE();
      /* NAME=SOFT:HARD or NAME=VALUE */
      char name[16];
      const char *eq = strchr(v, '=');
      if (!eq || (size_t)(eq - v) >= sizeof name) usage("bad --rlimit", v);
      memcpy(name, v, (size_t)(eq - v));
      name[eq - v] = 0;
      int res = rlimit_by_name(name);
      if (res < 0) usage("unknown rlimit", name);
      char buf[64];
      snprintf(buf, sizeof buf, "%s", eq + 1);
      char *colon = strchr(buf, ':');
      unsigned long long soft, hard;
      if (colon) {
        *colon = 0;
        if (parse_u64(buf, &soft) || parse_u64(colon + 1, &hard)) usage("bad --rlimit value", v);
      } else {
        if (parse_u64(buf, &soft)) usage("bad --rlimit value", v);
        hard = soft;
      }
      if (soft > hard) usage("rlimit soft above hard", v);
      if (c->n_rlimits >= 16) usage("too many --rlimit", NULL);
      c->rlimits[c->n_rlimits].resource = res;
      c->rlimits[c->n_rlimits].name = v;
      c->rlimits[c->n_rlimits].soft = (rlim_t)soft;
      c->rlimits[c->n_rlimits].hard = (rlim_t)hard;
      c->n_rlimits++;
    } else if (strcmp(a, "--cgroup") == 0) {
      NEED_VALUE();
      if (c->n_cgroups >= 16) usage("too many --cgroup", NULL);
      if (v[0] != '/') usage("--cgroup needs an absolute path", v);
      c->cgroups[c->n_cgroups++] = v;
    } else if (strcmp(a, "--env") == 0) {
      NEED_VALUE();
      if (c->n_env >= MAX_LIST) usage("too many --env", NULL);
      c->env_allow[c->n_env++] = v;
    } else if (strcmp(a, "--landlock-ro") == 0 || strcmp(a, "--landlock-rw") == 0) {
      NEED_VALUE();
      int rw = a[12] == 'w';
      if ((rw ? c->n_ll_rw : c->n_ll_ro) >= MAX_LIST) usage("too many landlock paths", NULL);
      if (rw) c->ll_rw[c->n_ll_rw++] = v;
      else c->ll_ro[c->n_ll_ro++] = v;
      c->landlock = 1;
    } else if (strcmp(a, "--landlock") == 0) {
      c->landlock = 1;
    } else if (strcmp(a, "--landlock-scope") == 0) {
      c->landlock_scope = 1;
    } else if (strcmp(a, "--netns") == 0) {
      c->netns = 1;
    } else if (strcmp(a, "--netns-lo") == 0) {
      c->netns = 1;
      c->netns_lo = 1;
    } else if (strcmp(a, "--drop-caps") == 0) {
      c->drop_caps = 1;
    } else if (strcmp(a, "--pdeathsig") == 0) {
      NEED_VALUE();
      int ppid;
      if (parse_int(v, &ppid) || ppid < 1) usage("bad --pdeathsig", v);
      c->pdeathsig_parent = ppid;
    } else if (strcmp(a, "--uid") == 0 || strcmp(a, "--gid") == 0) {
      NEED_VALUE();
      int id;
      if (parse_int(v, &id)) usage("bad id", v);
      if (a[2] == 'u') c->uid = id;
      else c->gid = id;
    } else if (strcmp(a, "--cwd") == 0) {
      NEED_VALUE();
      c->cwd = v;
    } else if (strcmp(a, "--seccomp-fd") == 0) {
      NEED_VALUE();
      if (parse_int(v, &c->seccomp_fd)) usage("bad --seccomp-fd", v);
    } else if (strcmp(a, "--notify") == 0) {
      NEED_VALUE();
      if (strcmp(v, "errno") == 0) c->notify_action = ACTION_ERRNO;
      else if (strcmp(v, "kill") == 0) c->notify_action = ACTION_KILL;
      else if (strcmp(v, "log") == 0) c->notify_action = ACTION_LOG;
      else usage("bad --notify (errno, kill or log)", v);
    } else if (strcmp(a, "--events-fd") == 0) {
      NEED_VALUE();
      if (parse_int(v, &c->events_fd) || fcntl(c->events_fd, F_GETFD) < 0) usage("bad --events-fd", v);
    } else {
      usage("unknown option", a);
    }
#undef NEED_VALUE
  }
  if (status_fd < 0) usage("--status-fd is required", NULL);
  if (c->notify_action && (c->events_fd < 0 || c->seccomp_fd < 0)) usage("--notify needs --events-fd and --seccomp-fd", NULL);
  if (i >= argc) usage("no command after --", NULL);
  c->argv = argv + i;
}

/* ---- seccomp programs ------------------------------------------------------------------------- */
/* The stream on --seccomp-fd: one or more programs, each a little-endian u16 instruction count,
 * a u16 flags word (bit 0: install with SECCOMP_FILTER_FLAG_LOG; bit 1: install with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER, its SECCOMP_RET_USER_NOTIF answers go to the supervisor), then
 * the struct sock_filter array. A record whose count is 0xFFFF is the supervisor's table instead
 * (flags word = table version 1): a u32 entry count, then per entry u32 AUDIT_ARCH, u32 syscall
 * number, u16 kind (1 deny: value = errno; 2 observe: value = OP_*), u16 value. An entry with arch 0
 * is the default for a notification no entry matches (allow-list mode). Read to EOF; anything
 * malformed or truncated fails closed. */
#ifdef __linux__
#define MAX_PROGRAMS 4
#define PROG_FLAG_LOG 1U
#define PROG_FLAG_LISTENER 2U
#define MAX_NOTIFY_ENTRIES 4096
struct program {
  struct sock_fprog prog;
  unsigned flags;   /* SECCOMP_FILTER_FLAG_* to install with */
  int listener;     /* installs with NEW_LISTENER */
};
#define NOTIFY_DENY 1
#define NOTIFY_OBSERVE 2
struct notify_entry {
  uint32_t arch, nr;
  uint16_t kind, value;
};
static struct notify_entry *notify_table;
static int n_notify_table;
static int have_notify_table;

static uint32_t le32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static int read_programs(int fd, struct program *out) {
  size_t cap = MAX_PROGRAMS * (4 + MAX_BPF_INSNS * sizeof(struct sock_filter)) + 1;
  unsigned char *buf = malloc(cap);
  if (!buf) die(EX_SECCOMP_READ, "seccomp", ENOMEM, "reading the filter");
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fd, buf + got, cap - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      die(EX_SECCOMP_READ, "seccomp", errno, "reading the filter from fd %d", fd);
    }
    if (n == 0) break;
    got += (size_t)n;
    if (got == cap) die(EX_SECCOMP_READ, "seccomp", 0, "filter stream too long");
  }
  close(fd);
  int count = 0;
  size_t off = 0;
  while (off < got) {
    if (got - off < 4) die(EX_SECCOMP_READ, "seccomp", 0, "truncated program header at byte %zu", off);
    unsigned len = (unsigned)buf[off] | (unsigned)buf[off + 1] << 8;
    unsigned flags = (unsigned)buf[off + 2] | (unsigned)buf[off + 3] << 8;
    off += 4;
    if (len == 0xFFFF) {
      if (flags != 1) die(EX_SECCOMP_READ, "seccomp", 0, "unknown supervisor table version %u", flags);
      if (have_notify_table) die(EX_SECCOMP_READ, "seccomp", 0, "two supervisor tables");
      if (got - off < 4) die(EX_SECCOMP_READ, "seccomp", 0, "truncated supervisor table");
      uint32_t n = le32(buf + off);
      off += 4;
      if (n > MAX_NOTIFY_ENTRIES || got - off < (size_t)n * 12) die(EX_SECCOMP_READ, "seccomp", 0, "supervisor table truncated or too long (%u entries)", n);
      notify_table = calloc(n ? n : 1, sizeof *notify_table);
      if (!notify_table) die(EX_SECCOMP_READ, "seccomp", ENOMEM, "supervisor table");
      for (uint32_t k = 0; k < n; k++, off += 12) {
        struct notify_entry *e = &notify_table[k];
        e->arch = le32(buf + off);
        e->nr = le32(buf + off + 4);
        e->kind = (uint16_t)(buf[off + 8] | buf[off + 9] << 8);
        e->value = (uint16_t)(buf[off + 10] | buf[off + 11] << 8);
        if (e->kind != NOTIFY_DENY && e->kind != NOTIFY_OBSERVE) die(EX_SECCOMP_READ, "seccomp", 0, "supervisor table entry %u has kind %u", k, e->kind);
      }
      n_notify_table = (int)n;
      have_notify_table = 1;
      continue;
    }
    if (count == MAX_PROGRAMS) die(EX_SECCOMP_READ, "seccomp", 0, "more than %d programs", MAX_PROGRAMS);
    if (len == 0 || len > MAX_BPF_INSNS) die(EX_SECCOMP_READ, "seccomp", 0, "program %d has %u instructions", count, len);
    if (flags & ~(PROG_FLAG_LOG | PROG_FLAG_LISTENER)) die(EX_SECCOMP_READ, "seccomp", 0, "program %d has unknown flags 0x%x", count, flags);
    size_t bytes = (size_t)len * sizeof(struct sock_filter);
    if (got - off < bytes) die(EX_SECCOMP_READ, "seccomp", 0, "program %d truncated: %zu of %zu bytes", count, got - off, bytes);
    out[count].prog.len = (unsigned short)len;
    out[count].prog.filter = (struct sock_filter *)(buf + off);
    out[count].flags = (flags & PROG_FLAG_LOG) ? SECCOMP_FILTER_FLAG_LOG : 0;
    out[count].listener = (flags & PROG_FLAG_LISTENER) != 0;
    off += bytes;
    count++;
  }
  if (count == 0) die(EX_SECCOMP_READ, "seccomp", 0, "empty filter stream (the parent closed it early?)");
  int listeners = 0;
  for (int k = 0; k < count; k++) listeners += out[k].listener;
  if (listeners > 1) die(EX_SECCOMP_READ, "seccomp", 0, "%d programs ask for a listener (at most one)", listeners);
  if (listeners && !out[count - 1].listener) die(EX_SECCOMP_READ, "seccomp", 0, "the listener program must be the last one (after it the launcher may only write and execve)");
  if (listeners && !have_notify_table) die(EX_SECCOMP_READ, "seccomp", 0, "a listener program without the supervisor table");
  return count;
}
#endif

/* ---- cgroups ---------------------------------------------------------------------------------- */
static void join_cgroup(const char *dir) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path) die(EX_CGROUP, "cgroup", ENAMETOOLONG, "%s", dir);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die(EX_CGROUP, "cgroup", errno, "opening %s", path);
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  if (write(fd, pid, (size_t)n) != n) die(EX_CGROUP, "cgroup", errno, "writing our pid into %s", path);
  close(fd);
}

/* ---- network namespace -------------------------------------------------------------------------- */
#ifdef __linux__
static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die(EX_NETNS, "netns", errno, "opening %s", path);
  ssize_t n = write(fd, text, strlen(text));
  if (n != (ssize_t)strlen(text)) die(EX_NETNS, "netns", errno, "writing %s", path);
  close(fd);
}

static void enter_netns(int lo) {
  if (geteuid() == 0) {
    if (unshare(CLONE_NEWNET) != 0) die(EX_NETNS, "netns", errno, "unshare(CLONE_NEWNET)");
  } else {
    /* Unprivileged: a user namespace first (mapping our own ids), then the network namespace. */
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) die(EX_NETNS, "netns", errno, "unshare(CLONE_NEWUSER|CLONE_NEWNET)");
    char map[64];
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    write_file("/proc/self/uid_map", map);
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    write_file("/proc/self/gid_map", map);
  }
  if (lo) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) die(EX_NETNS, "netns", errno, "socket for loopback");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) die(EX_NETNS, "netns", errno, "SIOCGIFFLAGS lo");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) die(EX_NETNS, "netns", errno, "bringing loopback up");
    close(s);
  }
}
#endif

/* ---- environment ------------------------------------------------------------------------------ */
extern char **environ;

static int env_allowed(const struct config *c, const char *entry) {
  const char *eq = strchr(entry, '=');
  size_t klen = eq ? (size_t)(eq - entry) : strlen(entry);
  for (int i = 0; i < c->n_env; i++) {
    const char *pat = c->env_allow[i];
    size_t plen = strlen(pat);
    if (plen > 0 && pat[plen - 1] == '*') {
      if (klen >= plen - 1 && strncmp(entry, pat, plen - 1) == 0) return 1;
    } else if (plen == klen && strncmp(entry, pat, klen) == 0) {
      return 1;
    }
  }
  return 0;
}

static char **filtered_env(const struct config *c) {
  size_t n = 0;
  for (char **e = environ; *e; e++) n++;
  char **out = calloc(n + 1, sizeof *out);
  if (!out) die(EX_ENV, "env", ENOMEM, "building the environment");
  size_t k = 0;
  for (char **e = environ; *e; e++)
    if (env_allowed(c, *e)) out[k++] = *e;
  out[k] = NULL;
  return out;
}

static const char *env_get(char **envp, const char *name) {
  size_t len = strlen(name);
  for (char **e = envp; *e; e++)
    if (strncmp(*e, name, len) == 0 && (*e)[len] == '=') return *e + len + 1;
  return NULL;
}

/* ---- file descriptors ------------------------------------------------------------------------- */
static void cloexec_from_3(void) {
#if defined(__linux__) && defined(SYS_close_range)
  /* CLOSE_RANGE_CLOEXEC = 4 */
  if (syscall(SYS_close_range, 3U, ~0U, 4U) == 0) return;
#endif
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 1 << 20) max = 1 << 20;
  for (int fd = 3; fd < max; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0)
      die(EX_FDS, "fds", errno, "marking fd %d close-on-exec", fd);
  }
}

/* ---- Landlock --------------------------------------------------------------------------------- */
#ifdef __linux__
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_REMOVE_DIR (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR (1ULL << 6)
#define LL_FS_MAKE_DIR (1ULL << 7)
#define LL_FS_MAKE_REG (1ULL << 8)
#define LL_FS_MAKE_SOCK (1ULL << 9)
#define LL_FS_MAKE_FIFO (1ULL << 10)
#define LL_FS_MAKE_BLOCK (1ULL << 11)
#define LL_FS_MAKE_SYM (1ULL << 12)
#define LL_FS_REFER (1ULL << 13)
#define LL_FS_TRUNCATE (1ULL << 14)
#define LL_FS_IOCTL_DEV (1ULL << 15)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)
#define LL_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)

struct ll_ruleset_attr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};
struct ll_path_beneath_attr {
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__((packed));

static int landlock_abi(void) {
  long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
  return v < 0 ? -errno : (int)v;
}

static void add_path_rule(int ruleset, const char *path, uint64_t access, uint64_t handled) {
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) die(EX_LANDLOCK, "landlock", errno, "opening %s", path);
  struct stat st;
  if (fstat(fd, &st) != 0) die(EX_LANDLOCK, "landlock", errno, "stat %s", path);
  uint64_t file_rights = LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV;
  if (!S_ISDIR(st.st_mode)) access &= file_rights;
  struct ll_path_beneath_attr attr = {.allowed_access = access & handled, .parent_fd = fd};
  if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &attr, 0) != 0)
    die(EX_LANDLOCK, "landlock", errno, "adding the rule for %s", path);
  close(fd);
}

static void apply_landlock(const struct config *c) {
  int abi = landlock_abi();
  if (abi < 1) die(EX_LANDLOCK, "landlock", -abi, "Landlock is not available on this kernel");
  uint64_t handled = (LL_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0..12 */
  if (abi >= 2) handled |= LL_FS_REFER;
  if (abi >= 3) handled |= LL_FS_TRUNCATE;
  if (abi >= 5) handled |= LL_FS_IOCTL_DEV;
  struct ll_ruleset_attr attr = {.handled_access_fs = handled, .handled_access_net = 0, .scoped = 0};
  size_t attr_size = abi >= 6 ? sizeof attr : 2 * sizeof(uint64_t);
  if (abi < 4) attr_size = sizeof(uint64_t);
  if (c->landlock_scope && abi >= 6) attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
  int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
  if (ruleset < 0) die(EX_LANDLOCK, "landlock", errno, "landlock_create_ruleset (ABI %d)", abi);
  uint64_t ro = LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR;
  for (int i = 0; i < c->n_ll_ro; i++) add_path_rule(ruleset, c->ll_ro[i], ro, handled);
  for (int i = 0; i < c->n_ll_rw; i++) add_path_rule(ruleset, c->ll_rw[i], handled, handled);
  /* NO_NEW_PRIVS is required by landlock_restrict_self for an unprivileged caller. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die(EX_NNP, "no_new_privs", errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  /* ABI 7: log denials of the exec'd tool too, so the parent can attribute them (kernel audit log). */
  unsigned flags = abi >= 7 ? LL_RESTRICT_SELF_LOG_NEW_EXEC_ON : 0;
  if (syscall(SYS_landlock_restrict_self, ruleset, flags) != 0) die(EX_LANDLOCK, "landlock", errno, "landlock_restrict_self");
  close(ruleset);
}

/* ---- capabilities ----------------------------------------------------------------------------- */
struct cap_header {
  uint32_t version;
  int pid;
};
struct cap_data {
  uint32_t effective, permitted, inheritable;
};

/* The bounding set (needs CAP_SETPCAP) and the ambient set: before setuid, which takes
 * CAP_SETPCAP away from a non-root uid. Permitted and effective capabilities are untouched here
 * (setuid, unshare and Landlock still need them); drop_capabilities clears them last. */
static void drop_bounding_and_ambient(void) {
  int last = 63;
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  if (f) {
    if (fscanf(f, "%d", &last) != 1) last = 63;
    fclose(f);
  }
  for (int cap = 0; cap <= last; cap++) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
      die(EX_CAPS, "capabilities", errno, "dropping capability %d from the bounding set", cap);
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    die(EX_CAPS, "capabilities", errno, "clearing ambient capabilities");
}

static void drop_capabilities(void) {
  struct cap_header h = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
  struct cap_data d[2];
  memset(d, 0, sizeof d);
  if (syscall(SYS_capset, &h, d) != 0) die(EX_CAPS, "capabilities", errno, "capset");
}
#endif

/* ---- the seccomp user-notification supervisor --------------------------------------------------- */
/*
 * With --notify, the launcher forks before confining anything: the CHILD confines itself (steps
 * 4-14, the filter last, installed with SECCOMP_FILTER_FLAG_NEW_LISTENER) and execs the tool; the
 * PARENT stays unconfined (no cgroup, no rlimit, no filter) and answers every SECCOMP_RET_USER_NOTIF
 * of the tool and of all its descendants (they inherit the filter, so the listener sees them):
 *   deny entries:    record (arch, nr, pid) and answer per the action: errno → the entry's errno;
 *                    log → SECCOMP_USER_NOTIF_FLAG_CONTINUE; kill → SIGKILL the caller and the tool,
 *                    then end as if the tool had died of SIGSYS (what SECCOMP_RET_KILL_PROCESS does);
 *   observe entries: path-taking syscalls under Landlock: read the path from the caller's memory,
 *                    decide whether the Landlock rules would deny it, record a filesystem event and
 *                    CONTINUE. Landlock enforces; this is an observation (the caller can change the
 *                    memory after we read it: time-of-check/time-of-use), used only for the report.
 *
 * Handing over the listener: the child is created with clone(CLONE_FILES), so it shares the fd table
 * with the supervisor until its execve (which unshares the table and closes the CLOEXEC listener in
 * the tool's copy only). The child writes the listener's fd NUMBER on a pipe (write is always
 * allowed); no sendmsg/SCM_RIGHTS, which an allow-list filter would have to permit to the tool.
 *
 * Events go to the parent (Node) on --events-fd, one tab-separated line each:
 *   T pid                                         the tool's pid (with the first event, or the summary)
 *   S idx arch nr verdict pid comm                a denied syscall (first time for this arch/nr/verdict)
 *   F idx access arch nr pid comm path            a filesystem access Landlock denies (first time per access/path)
 *   N idx count                                   an event seen more than once (at the end)
 *   D count                                       distinct events past the table (not reported one by one)
 *   X exit CODE | X signal SIGNO                  how the tool ended
 * comm and path escape bytes outside 0x21-0x7e and backslash as \xHH.
 */
#ifdef HAVE_NOTIFY
#define OP_OPEN 1
#define OP_OPENAT 2
#define OP_OPENAT2 3
#define OP_CREAT 4
#define OP_MKDIR 5
#define OP_MKDIRAT 6
#define OP_MKNOD 7
#define OP_MKNODAT 8
#define OP_UNLINK 9
#define OP_RMDIR 10
#define OP_UNLINKAT 11
#define OP_RENAME 12
#define OP_RENAMEAT 13
#define OP_LINK 14
#define OP_LINKAT 15
#define OP_SYMLINK 16
#define OP_SYMLINKAT 17
#define OP_TRUNCATE 18
#define OP_EXECVE 19
#define OP_EXECVEAT 20

enum access { ACC_READ, ACC_WRITE, ACC_CREATE, ACC_REMOVE, ACC_EXECUTE };
#define IF_EXISTS_SKIP (-1)
static const char *const access_name[] = {"read", "write", "create", "remove", "execute"};

#define MAX_EVENTS 256
struct event {
  char kind;            /* 'S' or 'F' */
  uint32_t arch, nr;
  int verdict;          /* S: errno (> 0), -ACTION_KILL, -ACTION_LOG */
  int access;           /* F */
  char *path;           /* F */
  unsigned long count;
};
static struct event events[MAX_EVENTS];
static int n_events;
static unsigned long dropped_events;
static int sup_events_fd = -1;
static int sup_listener = -1;
static pid_t sup_tool;
static int sup_action;
static int sup_killed;
static char *rules_ro[MAX_LIST], *rules_rw[MAX_LIST];
static int n_rules_ro, n_rules_rw;

static void escape_into(char *out, size_t cap, const char *in) {
  static const char hex[] = "0123456789abcdef";
  size_t k = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p && k + 5 < cap; p++) {
    if (*p > 0x20 && *p < 0x7f && *p != '\\') {
      out[k++] = (char)*p;
    } else {
      out[k++] = '\\';
      out[k++] = 'x';
      out[k++] = hex[*p >> 4];
      out[k++] = hex[*p & 15];
    }
  }
  out[k] = 0;
}

static void read_comm(pid_t pid, char *out, size_t cap) {
  char path[64], raw[64];
  snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, raw, sizeof raw - 1) : -1;
  if (fd >= 0) close(fd);
  if (n < 0) n = 0;
  raw[n] = 0;
  if (n > 0 && raw[n - 1] == '\n') raw[n - 1] = 0;
  escape_into(out, cap, raw);
}

/* The tool's pid goes out with the first event, or with the summary at the end: one write (one
 * wake-up of the parent) for a run without events. */
static int tool_pid_sent;
static void emit(const char *line) {
  if (sup_events_fd < 0) return;
  if (!tool_pid_sent) {
    char t[32];
    snprintf(t, sizeof t, "T\t%d\n", (int)sup_tool);
    tool_pid_sent = 1;
    char both[PATH_MAX * 4 + 320];
    size_t n = strlen(t), m = strlen(line);
    if (n + m < sizeof both) {
      memcpy(both, t, n);
      memcpy(both + n, line, m);
      write_all(sup_events_fd, both, n + m);
      return;
    }
    write_all(sup_events_fd, t, n);
  }
  write_all(sup_events_fd, line, strlen(line));
}

/* Records one event; the first occurrence of each is written at once (so a later SIGKILL of the
 * supervisor loses no name), repeats are counted and summed up at the end. */
static void record(char kind, uint32_t arch, uint32_t nr, int verdict, int access, const char *path, pid_t pid) {
  for (int i = 0; i < n_events; i++) {
    struct event *e = &events[i];
    if (e->kind != kind) continue;
    if (kind == 'S' ? (e->arch == arch && e->nr == nr && e->verdict == verdict) : (e->access == access && strcmp(e->path, path) == 0)) {
      e->count++;
      return;
    }
  }
  if (n_events == MAX_EVENTS) {
    dropped_events++;
    return;
  }
  struct event *e = &events[n_events];
  *e = (struct event){.kind = kind, .arch = arch, .nr = nr, .verdict = verdict, .access = access, .count = 1};
  if (path && !(e->path = strdup(path))) {
    dropped_events++;
    return;
  }
  char comm[80], line[PATH_MAX * 4 + 256];
  read_comm(pid, comm, sizeof comm);
  if (kind == 'S') {
    char v[32];
    if (verdict > 0) snprintf(v, sizeof v, "errno=%d", verdict);
    else snprintf(v, sizeof v, "%s", verdict == -ACTION_KILL ? "kill" : "log");
    snprintf(line, sizeof line, "S\t%d\t%x\t%u\t%s\t%d\t%s\n", n_events, arch, nr, v, (int)pid, comm);
  } else {
    char esc[PATH_MAX * 4 + 1];
    escape_into(esc, sizeof esc, path);
    snprintf(line, sizeof line, "F\t%d\t%s\t%x\t%u\t%d\t%s\t%s\n", n_events, access_name[access], arch, nr, (int)pid, comm, esc);
  }
  n_events++;
  emit(line);
}

static const struct notify_entry *lookup(uint32_t arch, uint32_t nr) {
  const struct notify_entry *fallback = NULL;
  for (int i = 0; i < n_notify_table; i++) {
    const struct notify_entry *e = &notify_table[i];
    if (e->arch == arch && e->nr == nr) return e;
    if (e->arch == 0) fallback = e;
  }
  return fallback;
}

/* A NUL-terminated string from the caller's memory, read page by page (a string may end right
 * before an unmapped page). Returns its length, or -1. */
static ssize_t read_remote_string(pid_t pid, uint64_t addr, char *out, size_t cap) {
  size_t got = 0;
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  while (got + 1 < cap) {
    uint64_t at = addr + got;
    size_t want = (size_t)page - (size_t)(at % (uint64_t)page);
    if (want > cap - 1 - got) want = cap - 1 - got;
    struct iovec local = {out + got, want}, remote = {(void *)(uintptr_t)at, want};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n <= 0) return -1;
    void *nul = memchr(out + got, 0, (size_t)n);
    if (nul) return (ssize_t)((char *)nul - out);
    got += (size_t)n;
  }
  return -1;
}

static int beneath(const char *path, const char *rule) {
  size_t n = strlen(rule);
  if (n == 1 && rule[0] == '/') return 1;
  return strncmp(path, rule, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* Would the Landlock rules allow this access to this resolved path? read_only grants execute, read
 * file and read dir; read_write grants every right (docs/GUARD.md, Landlock). */
static int landlock_allows(const char *path, int access) {
  for (int i = 0; i < n_rules_rw; i++)
    if (beneath(path, rules_rw[i])) return 1;
  if (access == ACC_READ || access == ACC_EXECUTE)
    for (int i = 0; i < n_rules_ro; i++)
      if (beneath(path, rules_ro[i])) return 1;
  return 0;
}

/* Checks one (dirfd, path) operand of a notification: resolves it as the caller would (through
 * /proc/PID/{root,cwd,fd/N}, so the caller's root, working directory and descriptors are used) and
 * records a filesystem event when Landlock would deny it. Calls that fail before Landlock looks
 * (a missing file to read, an existing name to create) are not reported. */
/* access_if_exists: for a create, what an existing name means instead (open with O_CREAT and no
 * O_EXCL opens it), or IF_EXISTS_SKIP (EEXIST). */
static void observe_operand(const struct seccomp_notif *req, int dirfd, uint64_t addr, int access, int follow, int access_if_exists) {
  char rel[PATH_MAX], full[PATH_MAX + 64], resolved[PATH_MAX], parent[PATH_MAX + 64];
  ssize_t len = read_remote_string((pid_t)req->pid, addr, rel, sizeof rel);
  if (len <= 0) return;
  int pid = (int)req->pid;
  int n;
  if (rel[0] == '/') n = snprintf(full, sizeof full, "/proc/%d/root%s", pid, rel);
  else if (dirfd == AT_FDCWD) n = snprintf(full, sizeof full, "/proc/%d/cwd/%s", pid, rel);
  else n = snprintf(full, sizeof full, "/proc/%d/fd/%d/%s", pid, dirfd, rel);
  if (n < 0 || (size_t)n >= sizeof full) return;
  while (n > 1 && full[n - 1] == '/') full[--n] = 0;
  struct stat st;
  int exists = (follow ? stat(full, &st) : lstat(full, &st)) == 0;
  if (access == ACC_CREATE && exists) {
    if (access_if_exists == IF_EXISTS_SKIP) return;           /* EEXIST before Landlock */
    access = access_if_exists;
  }
  if (access != ACC_CREATE && !exists) return;                /* ENOENT before Landlock */
  if (follow && access != ACC_CREATE) {
    if (!realpath(full, resolved)) return;
  } else {
    char *slash = strrchr(full, '/');
    const char *base = slash + 1;
    if (!strcmp(base, ".") || !strcmp(base, "..")) return;
    memcpy(parent, full, (size_t)(slash - full));
    parent[slash - full] = 0;
    char dir[PATH_MAX];
    if (!realpath(parent, dir)) return;
    if ((size_t)snprintf(resolved, sizeof resolved, "%s/%s", strcmp(dir, "/") ? dir : "", base) >= sizeof resolved) return;
  }
  if (landlock_allows(resolved, access)) return;
  /* The pid may have been reused if the caller died meanwhile: only report a live notification. */
  uint64_t id = req->id;
  if (ioctl(sup_listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) != 0) return;
  record('F', req->data.arch, (uint32_t)req->data.nr, 0, access, resolved, (pid_t)req->pid);
}

#ifndef O_PATH
#define O_PATH 010000000
#endif
static void observe_open(const struct seccomp_notif *req, int dirfd, uint64_t addr, uint64_t flags) {
  if (flags & O_PATH) return; /* Landlock does not check O_PATH opens */
  int access = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) ? ACC_WRITE : ACC_READ;
  if (flags & O_CREAT) observe_operand(req, dirfd, addr, ACC_CREATE, !(flags & O_NOFOLLOW), (flags & O_EXCL) ? IF_EXISTS_SKIP : access);
  else observe_operand(req, dirfd, addr, access, !(flags & O_NOFOLLOW), access);
}

/* Whether this task still runs the launcher's image (our child before its execve succeeded). */
static dev_t launcher_dev;
static ino_t launcher_ino;
static int is_launcher_image(pid_t pid) {
  if (pid != sup_tool || !launcher_ino) return 0;
  char path[64];
  struct stat st;
  snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
  return stat(path, &st) == 0 && st.st_dev == launcher_dev && st.st_ino == launcher_ino;
}

static void observe(const struct seccomp_notif *req, int op) {
  const __u64 *a = req->data.args;
  switch (op) {
  case OP_OPEN: observe_open(req, AT_FDCWD, a[0], a[1]); break;
  case OP_OPENAT: observe_open(req, (int)a[0], a[1], a[2]); break;
  case OP_OPENAT2: {
    uint64_t flags;
    struct iovec local = {&flags, sizeof flags}, remote = {(void *)(uintptr_t)a[2], sizeof flags};
    if (process_vm_readv((pid_t)req->pid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof flags) observe_open(req, (int)a[0], a[1], flags);
    break;
  }
  case OP_CREAT: observe_open(req, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC); break;
  case OP_MKDIR: case OP_MKNOD: observe_operand(req, AT_FDCWD, a[0], ACC_CREATE, 0, IF_EXISTS_SKIP); break;
  case OP_MKDIRAT: case OP_MKNODAT: observe_operand(req, (int)a[0], a[1], ACC_CREATE, 0, IF_EXISTS_SKIP); break;
  case OP_UNLINK: case OP_RMDIR: observe_operand(req, AT_FDCWD, a[0], ACC_REMOVE, 0, IF_EXISTS_SKIP); break;
  case OP_UNLINKAT: observe_operand(req, (int)a[0], a[1], ACC_REMOVE, 0, IF_EXISTS_SKIP); break;
  case OP_RENAME:
    observe_operand(req, AT_FDCWD, a[0], ACC_REMOVE, 0, IF_EXISTS_SKIP);
    observe_operand(req, AT_FDCWD, a[1], ACC_CREATE, 0, ACC_REMOVE); /* replacing a name removes it */
    break;
  case OP_RENAMEAT:
    observe_operand(req, (int)a[0], a[1], ACC_REMOVE, 0, IF_EXISTS_SKIP);
    observe_operand(req, (int)a[2], a[3], ACC_CREATE, 0, ACC_REMOVE);
    break;
  case OP_LINK: case OP_SYMLINK: observe_operand(req, AT_FDCWD, a[1], ACC_CREATE, 0, IF_EXISTS_SKIP); break;
  case OP_LINKAT: observe_operand(req, (int)a[2], a[3], ACC_CREATE, 0, IF_EXISTS_SKIP); break;
  case OP_SYMLINKAT: observe_operand(req, (int)a[1], a[2], ACC_CREATE, 0, IF_EXISTS_SKIP); break;
  case OP_TRUNCATE: observe_operand(req, AT_FDCWD, a[0], ACC_WRITE, 1, IF_EXISTS_SKIP); break;
  case OP_EXECVE:
  case OP_EXECVEAT:
    /* The launcher's own PATH search (before the tool runs) tries each directory in turn: a denied
     * candidate is skipped there, not a deed of the tool. */
    if (is_launcher_image((pid_t)req->pid)) break;
    if (op == OP_EXECVE) observe_operand(req, AT_FDCWD, a[0], ACC_EXECUTE, 1, IF_EXISTS_SKIP);
    else observe_operand(req, (int)a[0], a[1], ACC_EXECUTE, 1, IF_EXISTS_SKIP);
    break;
  default: break;
  }
}

/* SIGKILL the caller (through a pidfd checked against the notification, so a reused pid is never
 * hit) and the tool itself (our child: its pid cannot be reused before we reap it). */
static void kill_for(const struct seccomp_notif *req) {
  int pfd = (int)syscall(SYS_pidfd_open, (pid_t)req->pid, 0);
  uint64_t id = req->id;
  if (ioctl(sup_listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0) {
    if (pfd >= 0) syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
    else kill((pid_t)req->pid, SIGKILL); /* a thread that is not its group's leader (pidfd_open: EINVAL) */
  }
  if (pfd >= 0) close(pfd);
  kill(sup_tool, SIGKILL);
  sup_killed = 1;
}

/* Fails closed: the tool must not go on without its supervisor. */
static void supervisor_die(const char *what, int err) {
  kill(sup_tool, SIGKILL);
  die(EX_NOTIFY, "notify", err, "%s", what);
}

static void handle_one(struct seccomp_notif *req, size_t req_size, struct seccomp_notif_resp *resp, size_t resp_size) {
  memset(req, 0, req_size);
  if (ioctl(sup_listener, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
    if (errno == EINTR || errno == ENOENT) return; /* the caller was interrupted or died meanwhile */
    supervisor_die("SECCOMP_IOCTL_NOTIF_RECV", errno);
  }
  memset(resp, 0, resp_size);
  resp->id = req->id;
  const struct notify_entry *e = lookup(req->data.arch, (uint32_t)req->data.nr);
  if (e && e->kind == NOTIFY_OBSERVE) {
    observe(req, e->value);
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  } else {
    int err = e ? e->value : EPERM; /* no entry: fail closed */
    if (sup_action == ACTION_KILL) {
      record('S', req->data.arch, (uint32_t)req->data.nr, -ACTION_KILL, 0, NULL, (pid_t)req->pid);
      kill_for(req);
      return; /* never answered: the caller is dead */
    }
    if (sup_action == ACTION_LOG) {
      record('S', req->data.arch, (uint32_t)req->data.nr, -ACTION_LOG, 0, NULL, (pid_t)req->pid);
      resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    } else {
      record('S', req->data.arch, (uint32_t)req->data.nr, err, 0, NULL, (pid_t)req->pid);
      resp->error = -err;
    }
  }
  if (ioctl(sup_listener, SECCOMP_IOCTL_NOTIF_SEND, resp) != 0 && errno != ENOENT && errno != EINTR)
    supervisor_die("SECCOMP_IOCTL_NOTIF_SEND", errno);
}

static void load_rules(const struct config *c) {
  char buf[PATH_MAX];
  for (int i = 0; i < c->n_ll_ro; i++)
    if (realpath(c->ll_ro[i], buf)) rules_ro[n_rules_ro++] = strdup(buf);
  for (int i = 0; i < c->n_ll_rw; i++)
    if (realpath(c->ll_rw[i], buf)) rules_rw[n_rules_rw++] = strdup(buf);
}

/* Ends the supervisor the way the tool ended, so a parent that only sees our exit status learns
 * the same thing. A tool the supervisor killed for a denied syscall ends as SIGSYS, like a
 * SECCOMP_RET_KILL_PROCESS. */
static void mirror_exit(int status, const char *summary) {
  char line[MAX_EVENTS * 32 + 128];
  int sig = sup_killed ? SIGSYS : WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (sig) snprintf(line, sizeof line, "%sX\tsignal\t%d\n", summary, sig);
  else snprintf(line, sizeof line, "%sX\texit\t%d\n", summary, WIFEXITED(status) ? WEXITSTATUS(status) : 255);
  emit(line);
  if (sup_events_fd >= 0) close(sup_events_fd);
  if (!sig) _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 255);
  struct rlimit none = {0, 0};
  setrlimit(RLIMIT_CORE, &none);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  raise(sig);
  _exit(128 + sig); /* a signal whose default is not to terminate */
}

static void supervise_loop(pid_t tool, int pidfd) {
  struct seccomp_notif_sizes sizes;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) supervisor_die("SECCOMP_GET_NOTIF_SIZES", errno);
  size_t req_size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif : sizeof(struct seccomp_notif);
  size_t resp_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp) ? sizes.seccomp_notif_resp : sizeof(struct seccomp_notif_resp);
  struct seccomp_notif *req = calloc(1, req_size);
  struct seccomp_notif_resp *resp = calloc(1, resp_size);
  if (!req || !resp) supervisor_die("allocating the notification buffers", ENOMEM);
  int listening = 1;
  for (;;) {
    struct pollfd p[2] = {{.fd = listening ? sup_listener : -1, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      supervisor_die("poll", errno);
    }
    if (p[0].revents & POLLIN) handle_one(req, req_size, resp, resp_size);
    else if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) listening = 0; /* no task uses the filter any more */
    if (p[1].revents & POLLIN) break;
  }
  /* The tool ended: answer what its descendants already asked (bounded), then end. What they ask
   * later gets ENOSYS from the kernel (no listener); the parent kills them with the tree. */
  for (int i = 0; listening && i < 1024; i++) {
    struct pollfd p = {.fd = sup_listener, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) break;
    handle_one(req, req_size, resp, resp_size);
  }
  int status = 0;
  while (waitpid(tool, &status, 0) < 0)
    if (errno != EINTR) supervisor_die("waitpid", errno);
  /* The summary: repeat counts, dropped events, then (mirror_exit) how the tool ended. */
  char summary[MAX_EVENTS * 32 + 64] = "";
  size_t k = 0;
  for (int i = 0; i < n_events; i++)
    if (events[i].count > 1) k += (size_t)snprintf(summary + k, sizeof summary - k, "N\t%d\t%lu\n", i, events[i].count);
  if (dropped_events) k += (size_t)snprintf(summary + k, sizeof summary - k, "D\t%lu\n", dropped_events);
  mirror_exit(status, summary);
}

static int notify_sync_fd = -1;

/* Forks the supervisor off. Returns in the child (which goes on confining itself); never returns
 * in the supervisor. */
static void start_supervisor(const struct config *c) {
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) != 0) die(EX_NOTIFY, "notify", errno, "pipe2");
  pid_t me = getpid();
  /* fork, but sharing the fd table until the child's execve (see above) */
  long pid = syscall(SYS_clone, (unsigned long)(CLONE_FILES | SIGCHLD), 0L, 0L, 0L, 0L);
  if (pid < 0) die(EX_NOTIFY, "notify", errno, "clone(CLONE_FILES)");
  if (pid == 0) {
    notify_sync_fd = sync[1];
    death_parent = me;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) die(EX_PDEATHSIG, "pdeathsig", errno, "prctl(PR_SET_PDEATHSIG) for the tool");
    if (getppid() != me) die(EX_PDEATHSIG, "pdeathsig", 0, "the supervisor exited before the tool started");
    return;
  }
  sup_tool = (pid_t)pid;
  sup_action = c->notify_action;
  sup_events_fd = c->events_fd;
  signal(SIGPIPE, SIG_IGN); /* the parent may stop reading: then events are dropped, not fatal */
  int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (pidfd < 0) supervisor_die("pidfd_open", errno);
  load_rules(c);
  struct stat self;
  if (stat("/proc/self/exe", &self) == 0) {
    launcher_dev = self.st_dev;
    launcher_ino = self.st_ino;
  }
  /* Wait for the listener's fd number, or for the child to end (a confinement step failed: it has
   * written the status line itself). */
  int listener = -1;
  for (;;) {
    struct pollfd p[2] = {{.fd = sync[0], .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      supervisor_die("poll", errno);
    }
    if (p[0].revents & POLLIN) {
      int v;
      if (read(sync[0], &v, sizeof v) == (ssize_t)sizeof v) listener = v;
      break;
    }
    if (p[1].revents & POLLIN) break;
  }
  close(sync[0]);
  close(sync[1]);
  if (listener < 0) {
    int status = 0;
    while (waitpid((pid_t)pid, &status, 0) < 0)
      if (errno != EINTR) supervisor_die("waitpid", errno);
    mirror_exit(status, "");
  }
  sup_listener = listener;
  supervise_loop((pid_t)pid, pidfd);
}

/* In the child: install a program with a listener and hand its fd number to the supervisor. */
static void install_listener_program(struct program *prog, int index, int total) {
  /* WAIT_KILLABLE_RECV (5.19): once the supervisor has the notification, non-fatal signals do not
   * interrupt the call (no duplicate notifications when a tool is signalled). */
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags | SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog->prog);
  if (fd < 0 && errno == EINVAL) fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags | SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog->prog);
  if (fd < 0) die(EX_SECCOMP, "seccomp", errno, "installing filter %d of %d with a listener (%u instructions)", index + 1, total, (unsigned)prog->prog.len);
  int v = (int)fd;
  if (notify_sync_fd < 0 || write(notify_sync_fd, &v, sizeof v) != (ssize_t)sizeof v) die(EX_NOTIFY, "notify", errno, "handing the listener to the supervisor");
}
#endif

/* ---- exec ------------------------------------------------------------------------------------- */
static void exec_tool(char **argv, char **envp) {
  const char *file = argv[0];
  if (!*file) die(EX_EXEC_NOENT, "exec", ENOENT, "empty command");
  if (strchr(file, '/')) {
    execve(file, argv, envp);
    int e = errno;
    die(e == ENOENT || e == ENOTDIR ? EX_EXEC_NOENT : EX_EXEC_NOPERM, "exec", e, "%s", file);
  }
  const char *path = env_get(envp, "PATH");
  if (!path) path = "/usr/local/bin:/usr/bin:/bin";
  int saw_eacces = 0;
  char buf[PATH_MAX];
  const char *p = path;
  for (;;) {
    const char *colon = strchr(p, ':');
    size_t len = colon ? (size_t)(colon - p) : strlen(p);
    if (len == 0) snprintf(buf, sizeof buf, "./%s", file);
    else if (len + 1 + strlen(file) + 1 <= sizeof buf) snprintf(buf, sizeof buf, "%.*s/%s", (int)len, p, file);
    else buf[0] = 0;
    if (buf[0]) {
      execve(buf, argv, envp);
      if (errno == EACCES) saw_eacces = 1;
      else if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG) die(EX_EXEC_NOPERM, "exec", errno, "%s", buf);
    }
    if (!colon) break;
    p = colon + 1;
  }
  if (saw_eacces) die(EX_EXEC_NOPERM, "exec", EACCES, "%s", file);
  die(EX_EXEC_NOENT, "exec", ENOENT, "%s: not found in PATH", file);
}

/* ---- probe ------------------------------------------------------------------------------------ */
#ifdef __linux__
static int probe_in_child(int what) {
  pid_t pid = fork();
  if (pid < 0) return -errno;
  if (pid == 0) {
    if (what == 0) {
      struct sock_filter f[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
      struct sock_fprog p = {1, f};
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(10 + (errno & 0x7f));
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p) != 0) _exit(errno & 0xff);
      _exit(0);
    } else {
      if (geteuid() == 0) _exit(unshare(CLONE_NEWNET) == 0 ? 0 : errno & 0xff);
      _exit(unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 ? 0 : errno & 0xff);
    }
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -errno;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}
#endif

#ifdef HAVE_NOTIFY
/* The whole supervisor mechanism, once: a clone(CLONE_FILES) child installs a filter sending
 * getppid to a listener and hands over the fd number; we answer the first call with a value (SEND)
 * and the second with CONTINUE (kernel 5.5+). Returns 0 when both came back right, else an errno. */
static int probe_notify(void) {
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) != 0) return errno;
  pid_t me = getpid();
  long pid = syscall(SYS_clone, (unsigned long)(CLONE_FILES | SIGCHLD), 0L, 0L, 0L, 0L);
  if (pid < 0) return errno;
  if (pid == 0) {
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog p = {4, f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(10);
    int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &p);
    if (fd < 0) _exit(11);
    if (write(sync[1], &fd, sizeof fd) != (ssize_t)sizeof fd) _exit(12);
    if (syscall(SYS_getppid) != 4242) _exit(13);
    _exit(syscall(SYS_getppid) == me ? 0 : 14);
  }
  int result = 0, fd = -1;
  struct pollfd pf = {.fd = sync[0], .events = POLLIN};
  if (poll(&pf, 1, 5000) == 1 && read(sync[0], &fd, sizeof fd) == (ssize_t)sizeof fd) {
    int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (pidfd < 0) result = errno;
    else close(pidfd);
    struct seccomp_notif_sizes sizes;
    if (!result && syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) result = errno;
    for (int round = 0; !result && round < 2; round++) {
      struct seccomp_notif *req = calloc(1, sizes.seccomp_notif > sizeof *req ? sizes.seccomp_notif : sizeof *req);
      struct seccomp_notif_resp *resp = calloc(1, sizes.seccomp_notif_resp > sizeof *resp ? sizes.seccomp_notif_resp : sizeof *resp);
      struct pollfd pn = {.fd = fd, .events = POLLIN};
      if (!req || !resp) result = ENOMEM;
      else if (poll(&pn, 1, 5000) != 1) result = ETIMEDOUT;
      else if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) result = errno;
      else {
        resp->id = req->id;
        if (round == 0) resp->val = 4242;
        else resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) != 0) result = errno;
      }
      free(req);
      free(resp);
    }
  } else {
    result = EPROTO;
  }
  if (result) kill((pid_t)pid, SIGKILL);
  int st;
  while (waitpid((pid_t)pid, &st, 0) < 0 && errno == EINTR) {}
  if (fd >= 0) close(fd);
  close(sync[0]);
  close(sync[1]);
  if (!result && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) result = WIFEXITED(st) && WEXITSTATUS(st) == 14 ? ENOSYS : EPROTO;
  return result;
}
#endif

static int probe(void) {
#ifdef __linux__
  printf("os linux\n");
  int s = probe_in_child(0);
  printf("seccomp %d\n", s == 0 ? 1 : 0);
  if (s) printf("seccomp_error %s\n", strerror(s >= 10 && s < 10 + 0x7f ? s - 10 : s));
  int abi = landlock_abi();
  printf("landlock %d\n", abi > 0 ? abi : 0);
  if (abi <= 0) printf("landlock_error %s\n", strerror(-abi));
  int n = probe_in_child(1);
  printf("netns %d\n", n == 0 ? 1 : 0);
  if (n) printf("netns_error %s\n", strerror(n));
#ifdef HAVE_NOTIFY
  int un = s == 0 ? probe_notify() : ENOSYS;
  printf("notify %d\n", un == 0 ? 1 : 0);
  if (un) printf("notify_error %s\n", strerror(un));
#else
  printf("notify 0\nnotify_error built without seccomp user notification (old kernel headers)\n");
#endif
  printf("euid %d\n", (int)geteuid());
#else
  printf("os other\nseccomp 0\nlandlock 0\nnetns 0\neuid %d\n", (int)geteuid());
#endif
  printf("version 1\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--probe") == 0) return probe();
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("enforcecore-launcher 1\n");
    return 0;
  }
  struct config c;
  parse(argc, argv, &c);

#ifdef __linux__
  struct program programs[MAX_PROGRAMS];
  int n_programs = 0;
  if (c.seccomp_fd >= 0) n_programs = read_programs(c.seccomp_fd, programs);
  if (c.pdeathsig_parent > 0) {
    death_parent = (pid_t)c.pdeathsig_parent;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) die(EX_PDEATHSIG, "pdeathsig", errno, "prctl(PR_SET_PDEATHSIG)");
    /* The parent may already be gone (we were reparented): then nobody would ever collect the tool. */
    if ((long)getppid() != c.pdeathsig_parent) die(EX_PDEATHSIG, "pdeathsig", 0, "the parent exited before the tool started");
  }
  if (c.notify_action) {
    if (n_programs == 0 || !programs[n_programs - 1].listener) die(EX_SECCOMP_READ, "seccomp", 0, "--notify without a listener program");
#ifdef HAVE_NOTIFY
    start_supervisor(&c); /* returns in the child only */
#else
    die(EX_NOTIFY, "notify", ENOSYS, "this launcher was built without seccomp user notification (old kernel headers)");
#endif
  }
#else
  if (c.seccomp_fd >= 0) die(EX_SECCOMP, "seccomp", ENOSYS, "seccomp is Linux-only");
  if (c.landlock || c.netns || c.drop_caps || c.pdeathsig_parent > 0) die(EX_LANDLOCK, "platform", ENOSYS, "Linux-only confinement requested");
#endif

  for (int i = 0; i < c.n_cgroups; i++) join_cgroup(c.cgroups[i]);

  for (int i = 0; i < c.n_rlimits; i++) {
    struct rlimit r = {c.rlimits[i].soft, c.rlimits[i].hard};
    if (setrlimit(c.rlimits[i].resource, &r) != 0) die(EX_RLIMIT, "rlimit", errno, "setrlimit %s", c.rlimits[i].name);
  }

#ifdef __linux__
  if (c.netns) enter_netns(c.netns_lo);
#endif

#ifdef __linux__
  if (c.drop_caps) drop_bounding_and_ambient();
#endif
  if (c.gid >= 0) {
#ifdef __linux__
    if (setgroups(0, NULL) != 0) die(EX_IDS, "ids", errno, "setgroups");
#endif
    if (setgid((gid_t)c.gid) != 0) die(EX_IDS, "ids", errno, "setgid %ld", c.gid);
  }
  if (c.uid >= 0 && setuid((uid_t)c.uid) != 0) die(EX_IDS, "ids", errno, "setuid %ld", c.uid);
#ifdef __linux__
  /* The kernel clears the parent-death signal when the credentials change: set it again. */
  if ((c.uid >= 0 || c.gid >= 0) && death_parent > 0) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) die(EX_PDEATHSIG, "pdeathsig", errno, "prctl(PR_SET_PDEATHSIG) after setuid");
    if (getppid() != death_parent) die(EX_PDEATHSIG, "pdeathsig", 0, "the parent exited before the tool started");
  }
#endif

  if (c.cwd && chdir(c.cwd) != 0) die(EX_CHDIR, "cwd", errno, "chdir %s", c.cwd);

  char **envp = filtered_env(&c);

  cloexec_from_3();

#ifdef __linux__
  if (c.landlock) apply_landlock(&c);
  if (c.drop_caps) drop_capabilities();
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die(EX_NNP, "no_new_privs", errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  for (int i = 0; i < n_programs; i++) {
#ifdef HAVE_NOTIFY
    if (programs[i].listener) {
      if (!c.notify_action) die(EX_SECCOMP, "seccomp", EINVAL, "a listener program needs --notify");
      install_listener_program(&programs[i], i, n_programs);
      continue;
    }
#endif
    if (programs[i].listener) die(EX_SECCOMP, "seccomp", ENOSYS, "a listener program needs seccomp user notification");
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, programs[i].flags, &programs[i].prog) != 0)
      die(EX_SECCOMP, "seccomp", errno, "installing filter %d of %d (%u instructions)", i + 1, n_programs, (unsigned)programs[i].prog.len);
  }
#endif

  exec_tool(c.argv, envp);
  return EX_EXEC_NOENT; /* not reached */
}
