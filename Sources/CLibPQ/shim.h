#ifndef AIDLEDGER_CLIBPQ_SHIM_H
#define AIDLEDGER_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#include <postgres_ext.h>

/* Character-literal macros do not import into Swift. */
static inline int aidledger_PG_DIAG_SQLSTATE(void) { return PG_DIAG_SQLSTATE; }
static inline int aidledger_PG_DIAG_MESSAGE_PRIMARY(void) { return PG_DIAG_MESSAGE_PRIMARY; }
static inline int aidledger_PG_DIAG_MESSAGE_DETAIL(void) { return PG_DIAG_MESSAGE_DETAIL; }

/* A notice processor that drops notices (they would go to stderr otherwise). */
static void aidledger_ignore_notice(void *arg, const char *message) { (void)arg; (void)message; }
static inline void aidledger_silence_notices(PGconn *conn) { PQsetNoticeProcessor(conn, aidledger_ignore_notice, 0); }
#endif
