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
 *   7. setgroups/setgid/setuid          when --gid/--uid are given
 *   8. chdir
 *   9. environment                      cleared to the --env allow list
 *  10. close every fd >= 3              (close_range CLOEXEC; the status fd is CLOEXEC as well)
 *  11. Landlock                         read-only / read-write path rules, ABI detected
 *  12. drop capabilities                bounding set, ambient, inheritable, permitted, effective
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
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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
#define EX_EXEC_NOPERM 126
#define EX_EXEC_NOENT 127

#define MAX_LIST 256
#define MAX_BPF_INSNS 4096

static int status_fd = -1;

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
  char **argv;          /* command + args */
};

static void usage(const char *why, const char *arg) {
  die(EX_USAGE_, "usage", 0, "%s%s%s", why, arg ? " " : "", arg ? arg : "");
}

static void parse(int argc, char **argv, struct config *c) {
  memset(c, 0, sizeof *c);
  c->seccomp_fd = -1;
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
    } else {
      usage("unknown option", a);
    }
#undef NEED_VALUE
  }
  if (status_fd < 0) usage("--status-fd is required", NULL);
  if (i >= argc) usage("no command after --", NULL);
  c->argv = argv + i;
}

/* ---- seccomp programs ------------------------------------------------------------------------- */
/* The stream on --seccomp-fd: one or more programs, each a little-endian u16 instruction count,
 * a u16 flags word (bit 0: install with SECCOMP_FILTER_FLAG_LOG), then the struct sock_filter
 * array. Read to EOF; anything malformed or truncated fails closed. */
#ifdef __linux__
#define MAX_PROGRAMS 4
struct program {
  struct sock_fprog prog;
  unsigned flags;
};

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
    if (count == MAX_PROGRAMS) die(EX_SECCOMP_READ, "seccomp", 0, "more than %d programs", MAX_PROGRAMS);
    if (got - off < 4) die(EX_SECCOMP_READ, "seccomp", 0, "truncated program header at byte %zu", off);
    unsigned len = (unsigned)buf[off] | (unsigned)buf[off + 1] << 8;
    unsigned flags = (unsigned)buf[off + 2] | (unsigned)buf[off + 3] << 8;
    off += 4;
    if (len == 0 || len > MAX_BPF_INSNS) die(EX_SECCOMP_READ, "seccomp", 0, "program %d has %u instructions", count, len);
    if (flags & ~1U) die(EX_SECCOMP_READ, "seccomp", 0, "program %d has unknown flags 0x%x", count, flags);
    size_t bytes = (size_t)len * sizeof(struct sock_filter);
    if (got - off < bytes) die(EX_SECCOMP_READ, "seccomp", 0, "program %d truncated: %zu of %zu bytes", count, got - off, bytes);
    out[count].prog.len = (unsigned short)len;
    out[count].prog.filter = (struct sock_filter *)(buf + off);
    out[count].flags = (flags & 1U) ? SECCOMP_FILTER_FLAG_LOG : 0;
    off += bytes;
    count++;
  }
  if (count == 0) die(EX_SECCOMP_READ, "seccomp", 0, "empty filter stream (the parent closed it early?)");
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

static void drop_capabilities(void) {
  /* Bounding set first (needs CAP_SETPCAP, which we still hold), then ambient, then the sets. */
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
  struct cap_header h = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
  struct cap_data d[2];
  memset(d, 0, sizeof d);
  if (syscall(SYS_capset, &h, d) != 0) die(EX_CAPS, "capabilities", errno, "capset");
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
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) die(EX_PDEATHSIG, "pdeathsig", errno, "prctl(PR_SET_PDEATHSIG)");
    /* The parent may already be gone (we were reparented): then nobody would ever collect the tool. */
    if ((long)getppid() != c.pdeathsig_parent) die(EX_PDEATHSIG, "pdeathsig", 0, "the parent exited before the tool started");
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

  if (c.gid >= 0) {
#ifdef __linux__
    if (setgroups(0, NULL) != 0) die(EX_IDS, "ids", errno, "setgroups");
#endif
    if (setgid((gid_t)c.gid) != 0) die(EX_IDS, "ids", errno, "setgid %ld", c.gid);
  }
  if (c.uid >= 0 && setuid((uid_t)c.uid) != 0) die(EX_IDS, "ids", errno, "setuid %ld", c.uid);

  if (c.cwd && chdir(c.cwd) != 0) die(EX_CHDIR, "cwd", errno, "chdir %s", c.cwd);

  char **envp = filtered_env(&c);

  cloexec_from_3();

#ifdef __linux__
  if (c.landlock) apply_landlock(&c);
  if (c.drop_caps) drop_capabilities();
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die(EX_NNP, "no_new_privs", errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  for (int i = 0; i < n_programs; i++) {
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, programs[i].flags, &programs[i].prog) != 0)
      die(EX_SECCOMP, "seccomp", errno, "installing filter %d of %d (%u instructions)", i + 1, n_programs, (unsigned)programs[i].prog.len);
  }
#endif

  exec_tool(c.argv, envp);
  return EX_EXEC_NOENT; /* not reached */
}
