/*
 * The C library as uAPI headers see it: the glibc declarations they use without defining them
 * (struct sockaddr, struct timeval, u_short, ino_t...) and the macros of the few libc headers they
 * include (<endian.h>, <limits.h>, <stddef.h>...). Written in terms of the target's own types, so
 * that it holds for every data model; the gcc harness checks it against glibc on x86_64 and i386.
 *
 * It is read as a header of its own. An `#include` of one of the libc headers it stands for
 * resolves to it (model/scope.rs, LIBC_HEADERS); otherwise its types are found only when a header
 * uses one it neither defines nor includes, as a program that includes libc first compiles it.
 */

/* <stddef.h> */
#define NULL ((void *)0)
#define offsetof(TYPE, MEMBER) __builtin_offsetof(TYPE, MEMBER)

/* <limits.h> */
#define CHAR_BIT 8
#define SCHAR_MIN (-128)
#define SCHAR_MAX 127
#define UCHAR_MAX 255
#define SHRT_MIN (-32768)
#define SHRT_MAX 32767
#define USHRT_MAX 65535
#define INT_MIN (-INT_MAX - 1)
#define INT_MAX 2147483647
#define UINT_MAX 4294967295U
#define LONG_MAX ((long)(~0UL >> 1))
#define LONG_MIN (-LONG_MAX - 1L)
#define ULONG_MAX (~0UL)
#define LLONG_MAX 9223372036854775807LL
#define LLONG_MIN (-LLONG_MAX - 1LL)
#define ULLONG_MAX 18446744073709551615ULL

/* <endian.h> */
#define __LITTLE_ENDIAN 1234
#define __BIG_ENDIAN 4321
#define __PDP_ENDIAN 3412
#define __BYTE_ORDER __BYTE_ORDER__
#define LITTLE_ENDIAN __LITTLE_ENDIAN
#define BIG_ENDIAN __BIG_ENDIAN
#define PDP_ENDIAN __PDP_ENDIAN
#define BYTE_ORDER __BYTE_ORDER

/* <sys/types.h> */
typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned int u_int;
typedef unsigned long u_long;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;
typedef unsigned char u_int8_t;
typedef unsigned short u_int16_t;
typedef unsigned int u_int32_t;
typedef unsigned long long u_int64_t;
typedef char *caddr_t;
typedef long time_t;
typedef long suseconds_t;
typedef long clock_t;
typedef unsigned long ino_t;
typedef long off_t;
typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef unsigned int mode_t;
typedef unsigned long long dev_t;
typedef int key_t;
typedef int clockid_t;
typedef void *timer_t;

/* <sys/time.h>, <time.h> */
struct timeval {
	time_t tv_sec;
	suseconds_t tv_usec;
};
struct timespec {
	time_t tv_sec;
	long tv_nsec;
};

/* <sys/socket.h> */
typedef unsigned short sa_family_t;
typedef unsigned int socklen_t;
struct sockaddr {
	sa_family_t sa_family;
	char sa_data[14];
};
struct sockaddr_storage {
	sa_family_t ss_family;
	char __ss_padding[128 - sizeof(sa_family_t) - sizeof(unsigned long)];
	unsigned long __ss_align;
};

/* <net/if.h> */
#define IFNAMSIZ 16

/* <sys/socket.h>: the socket level atm.h's __SO_ENCODE takes */
#define SOL_ATM 264

/* <signal.h> */
#if defined(__mips__)
typedef struct {
	void *ss_sp;
	size_t ss_size;
	int ss_flags;
} stack_t;
#else
typedef struct {
	void *ss_sp;
	int ss_flags;
	size_t ss_size;
} stack_t;
#endif
