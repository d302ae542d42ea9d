/* libpq_dl.h - libpq, loaded only when a fleet store is used.
 *
 * libpq brings about 25 libraries with it (TLS, Kerberos, LDAP, SASL): a
 * host on the default SQLite store, and every apikeyctl that does not talk
 * to the fleet database, should neither map them nor pay for loading them
 * (on the development VM, about 20 ms of each exec, most of a
 * socket-activated daemon's first login). So apikeyd and apikeyctl do not
 * link it: libpq_load() dlopens libpq.so.5 the first time a fleet store or
 * a fleet command needs it, and the code calls it through sym_PQ...
 * pointers, as systemd does for its optional libraries. */
#ifndef APIKEYD_LIBPQ_DL_H
#define APIKEYD_LIBPQ_DL_H

#include <libpq-fe.h>

/* Every libpq function apikeyd and apikeyctl call. */
#define LIBPQ_FUNCTIONS(X)                                                                                    \
        X(PQclear) X(PQcmdTuples) X(PQconnectPoll) X(PQconnectStartParams) X(PQconnectdbParams)              \
        X(PQconninfoFree) X(PQconninfoParse) X(PQconsumeInput) X(PQdb) X(PQenterPipelineMode)                \
        X(PQerrorMessage) X(PQexec) X(PQexecParams) X(PQexitPipelineMode) X(PQfinish) X(PQflush)             \
        X(PQfreemem) X(PQgetResult) X(PQgetisnull) X(PQgetvalue) X(PQisBusy) X(PQntuples)                    \
        X(PQpipelineSync) X(PQprepare) X(PQresultErrorField) X(PQresultStatus) X(PQsendQueryParams)          \
        X(PQsendQueryPrepared) X(PQsetnonblocking) X(PQsocket) X(PQstatus) X(PQuser)

#define LIBPQ_DECLARE(f) extern __typeof__(f) *sym_##f;
LIBPQ_FUNCTIONS(LIBPQ_DECLARE)
#undef LIBPQ_DECLARE

/* Loads libpq once (thread-safe): 0, or -ENOENT when it is not installed
 * or lacks a function; then libpq_error() says why, in words for a log
 * line or an error message. Until it returned 0 no sym_PQ... may be called. */
int libpq_load(void);
const char *libpq_error(void);

#endif
