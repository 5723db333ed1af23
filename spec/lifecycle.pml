/*
 * spec/lifecycle.pml -- the allocation lifecycle protocol of DESIGN.md section 8
 * ("One lifecycle, fenced work"), with the journal/recovery rules of section 7 and
 * the reconcile/deadline rules of section 9, as a Promela model for spin 6.
 * Checked by scripts/verify-model (run that; it explains each check it makes).
 *
 * What is modelled
 *   - 2 workers (ProvisioningWorker; think two replicas), 1 reconcile pass
 *     (ReconcileService), 2 allocations, 2 pool VMs, the pool backend
 *     (PoolAssignmentProvisioner over the store's claim ledger), its release hook,
 *     the operator's "return", pool refresh, lease expiry, kill -9 + restart, and
 *     the customers (pay, DELETE, retry).
 *   - The store is the set of global variables below. Each `atomic` block that
 *     writes them is one store transaction. Process-local variables are memory:
 *     a crash loses them.
 *   - Time is abstract: a lease may lapse at any moment, a call may take any time,
 *     a deadline may pass at any moment. Disruptions have budgets (below), which
 *     bound the model so every search completes.
 *
 * Properties (P1..P4; which mechanism checks which):
 *   P1 no pool VM held by two live allocations
 *        - assertion at hand-out (finalize) and in the ledger (one assigned claim
 *          per allocation); invariant ONE_HOLDER (Invariants monitor, every state);
 *          never claim `ltl one_holder`.
 *   P2 no delivered VM torn down by a stale holder
 *        - assertion in every backend teardown/release: the VM is not delivered
 *          (ghost `dlv`, cleared only by the current holder's commit that takes
 *          the VM back); invariant DELIVERED_IS_HELD; `ltl delivered_is_held`.
 *   P3 every acknowledged release finishes
 *        - `ltl release_finishes`, searched for acceptance cycles (pan -a). No
 *          fairness assumption is needed: every step consumes a budget or moves
 *          an allocation forward, so the model has no cycles but stuttering at
 *          the end; a run that stops with a release unfinished is a violation.
 *   P4 nothing left behind at quiescence
 *        - proctype Quiescence: assertions on `timeout` (no process can move):
 *          no open journal entry, no pending teardown, no held lease, no work
 *          left, every assigned claim belongs to a live allocation that has that
 *          VM (no leak), no claim still cleaning/quarantined, no call in flight;
 *        - spin's invalid end-state check: every blocked process sits at an end
 *          label (idle), none is stuck mid-protocol;
 *        - assertion at retry: rollback_available means nothing is left assigned.
 *   Also asserted: lease_epoch stays below MAXEP (the budgets bound the model).
 *
 * Abstractions and what is left out
 *   - Claiming a paid row and journal begin are one commit here; so is a payment
 *     handed straight to a worker (the code's hand-off: paid, claimed and begun in
 *     one commit), which is the Customer's pay step followed at once by WCLAIM.
 *     The pool's release of a delivered VM commits in the same transaction as
 *     `released` (its ledger write rides in that commit). Renewal is not a
 *     step: the holder's "could not renew" is the guard !(epoch ours && lease not
 *     lapsed), after which it cancels; lease expiry is an environment event.
 *   - A crashed process restarts at once and its leases become claimable (taken
 *     back); recovery = the normal claim of an open provisioning entry (finish by
 *     calling the idempotent allocate again, or roll back) plus the teardown retry
 *     that reconcile also runs. Teardown/release calls are synchronous; a late one
 *     is the same as a paused holder running its step late, which is modelled.
 *   - Not modelled: degraded (launch checks; treated like provisioned where it
 *     appears), admission reservations and the payment window, group commit, the
 *     XCP-NG backend, drift other than vm_gone (stopped/recovered, converge),
 *     orphan detection, hook retries/backoff timing (the hook frees or quarantines
 *     in one step; the cleaning deadline is a quarantine), reuse: immediate, and
 *     catalog generations across replicas (one catalog).
 *
 * Mutants (scripts/verify-model requires spin to reject each):
 *   -DNO_FENCE            the epoch checks are removed: every compare-and-set on
 *                         lease_epoch succeeds, so a stale holder's finalize,
 *                         failure record or teardown is accepted.
 *   -DNO_LEDGER_FENCE     the ledger claims a VM for an allocation without checking
 *                         that the calling attempt is still the open one: a
 *                         cancelled allocate that lands late leaks a VM.
 *   -DUNSCOPED_TEARDOWN   a teardown removes the journaled VM whatever attempt now
 *                         holds it: a holder paused between journaling and running
 *                         its teardown removes a VM handed to a later attempt.
 *   -DFORGET_FAILED_RELEASE  workers do not pick up a release request on a failed
 *                         allocation: the release never finishes (P3, P4).
 */

/* ---------------------------------------------------------------- bounds */
#define NA 2            /* allocations */
#define NV 2            /* pool VMs */
#define NW 2            /* workers */
#define RECON NW        /* lease owner id used by the reconcile pass */
#define NOBODY 255
#define NOVM 255
#define NOALLOC 255
#define MAXEP 14        /* assertion: budgets below keep every lease_epoch under this */

/* Environment budgets: how many times each disruption may happen in one run.
 * Defaults here (override with spin -DEXPIRIES=2 ...); a compiled verifier also
 * reads them from the environment (LIFECYCLE_EXPIRIES=2 ./pan, see init), so
 * scripts/verify-model compiles once and searches several scenarios. */
#ifndef EXPIRIES
#define EXPIRIES  1
#endif
#ifndef CRASHES
#define CRASHES   1
#endif
#ifndef FAILS
#define FAILS     1
#endif
#ifndef DEADLINES
#define DEADLINES 0
#endif
#ifndef GONES
#define GONES     0
#endif
#ifndef RETRIES
#define RETRIES   0
#endif
#ifndef REFRESHES
#define REFRESHES 0
#endif
#ifndef QUARS
#define QUARS     0
#endif
byte expiries  = EXPIRIES;   /* a lease lapses: its holder is slow or paused */
byte crashes   = CRASHES;    /* kill -9 of a worker or the reconcile pass, then restart */
byte fails     = FAILS;      /* backend failure: allocate creates then errors, or a
                                teardown / release call fails */
byte deadlines = DEADLINES;  /* provisioning/releasing past its deadline */
byte gones     = GONES;      /* reconcile's status call finds a delivered VM gone */
byte retries   = RETRIES;    /* a customer retries a failed order */
byte refreshes = REFRESHES;  /* pool refresh: a VM leaves or re-enters the catalog */
byte quars     = QUARS;      /* the release hook gives up: the VM is quarantined */

/* ---------------------------------------------------------------- allocation states
 * (AllocationLifecycle.State) */
#define PAYMENT_REQUIRED 0
#define PAID             1
#define PROVISIONING     2
#define PROVISIONED      3
#define DEGRADED         4
#define FAILED           5
#define ROLLED_BACK      6
#define RELEASING        7
#define RELEASED         8
#define LIVE(i)       (st[i] == PROVISIONED || st[i] == DEGRADED)
/* rows a worker claims: paid, provisioning, releasing, or release_requested */
#ifdef FORGET_FAILED_RELEASE
#define NEEDS_WORK(i) (st[i] == PAID || st[i] == PROVISIONING || st[i] == RELEASING || \
                       (relreq[i] && st[i] != RELEASED && st[i] != FAILED))
#else
#define NEEDS_WORK(i) (st[i] == PAID || st[i] == PROVISIONING || st[i] == RELEASING || \
                       (relreq[i] && st[i] != RELEASED))
#endif

/* journal entry kinds (open entry per allocation; teardowns are `tdp`) */
#define J_NONE 0
#define J_PROV 1
#define J_REL  2

/* pool claim-ledger states (a FREE VM has no claim row) */
#define FREE        0
#define ASSIGNED    1
#define CLEANING    2
#define QUARANTINED 3

/* results of an allocate call as the worker sees them */
#define R_NONE      0
#define R_OK        1
#define R_EXHAUSTED 2   /* pool_exhausted: nothing was created */
#define R_LEFTOVER  3   /* allocate created the VM, then errored */
#define R_REFUSED   4   /* the ledger refused the claim: lease_lost */

/* ---------------------------------------------------------------- the store: allocation rows */
byte st[NA]      = PAYMENT_REQUIRED;
bool relreq[NA];            /* release_requested (an acknowledged DELETE) */
byte owner[NA]   = NOBODY;  /* lease owner */
bool lvalid[NA];            /* lease not expired (expiry is abstract) */
byte ep[NA];                /* lease_epoch: the fencing token, +1 at every claim */
byte vm[NA]      = NOVM;    /* the delivered pool VM (only while provisioned) */
byte jr[NA];                /* open journal entry: J_NONE / J_PROV / J_REL */
bool tdp[NA];               /* teardown_pending: a teardown journal entry is open */
byte tdvm[NA]    = NOVM;    /* ... naming the claim to remove: VM and attempt tag */
byte tdtag[NA];

/* ---------------------------------------------------------------- the store: pool claim ledger
 * One row per claimed VM (unique per VM); at most one ASSIGNED claim per allocation.
 * The claim is tagged with the attempt (lease_epoch) that created it. */
byte cla[NV]     = NOALLOC; /* allocation holding the claim */
byte cls[NV];               /* FREE / ASSIGNED / CLEANING / QUARANTINED */
byte clt[NV];               /* attempt tag */
bool incat[NV]   = true;    /* in the current pool catalog (pool refresh) */

/* ---------------------------------------------------------------- late backend calls
 * A worker's allocate call normally returns inside the worker's own step. A call
 * its caller gave up on (cancelled after a failed renewal, or the caller crashed)
 * is parked here: it may still land at any later time, or never (the cancel took
 * effect). At most one parked call per worker (a newer one replaces an older one). */
byte slot[NW]    = NOALLOC; /* allocation the parked call is for, NOALLOC = none */
byte sep[NW];               /* the caller's epoch, passed to the backend as the attempt */

/* ---------------------------------------------------------------- ghost state (not in the store)
 * dlv[v] = the allocation VM v is delivered to. Set at finalize; cleared only when
 * the CURRENT holder commits a transition that takes the VM back (releasing,
 * vm_gone). A backend teardown/release of a VM still delivered is a stale
 * holder's teardown (P2). */
byte dlv[NV]     = NOALLOC;

/* ---------------------------------------------------------------- fences */
#ifdef NO_FENCE
#define FENCED(i, e)    true
#define LEDGER_OK(i, e) (st[i] == PROVISIONING)
#else
/* every write a holder makes about allocation i: ... WHERE lease_epoch = e */
#define FENCED(i, e)    (ep[i] == (e))
#ifdef NO_LEDGER_FENCE
#define LEDGER_OK(i, e) true
#else
/* the ledger claim, in the same store transaction: the attempt is still the open one */
#define LEDGER_OK(i, e) (st[i] == PROVISIONING && ep[i] == (e))
#endif
#endif

/* A lease is free to claim when it expired or was released (owner NOBODY implies
 * !lvalid). The real model asserts that lease_epoch stays below MAXEP; a mutant, whose
 * stale writes can re-create work forever, is bounded by refusing further claims. */
#ifdef NO_FENCE
#define EPOCH_ROOM(i) (ep[i] < MAXEP - 1)
#else
#define EPOCH_ROOM(i) true
#endif
#define LEASE_FREE(i) (!lvalid[i] && EPOCH_ROOM(i))

/* ---------------------------------------------------------------- shared inlines */

inline free_lease(i) { owner[i] = NOBODY; lvalid[i] = false }

/* A process forgets the allocation it worked on (keeps the state vector canonical). */
inline forget()  { a = NOALLOC; e = 0; tv = NOVM; tt = 0 }
inline wforget() { forget(); v = NOVM; r = R_NONE }

/* Worker/reconcile/recovery claim (Store.claimWork): take the lease, bump the epoch,
 * remember it. Caller checks NEEDS_WORK and that the lease is free or expired. */
inline claim(i, who) {
  ep[i]++; e = ep[i]; owner[i] = who; lvalid[i] = true;
  assert(e < MAXEP)
}

/* Journal a teardown (part of the failure-record commit): record exactly what the
 * allocation holds now -- its assigned claim, by VM and attempt tag. The holder keeps
 * a copy (tv, tt) in memory, as the Swift code keeps the journal entry it wrote. */
inline journal_teardown(i) {
  tv = NOVM; tt = 0;
  if
  :: cla[0] == i && cls[0] == ASSIGNED -> tv = 0; tt = clt[0]
  :: else -> skip
  fi;
  if
  :: cla[1] == i && cls[1] == ASSIGNED -> assert(tv == NOVM); tv = 1; tt = clt[1]
  :: else -> skip
  fi;
  tdvm[i] = tv; tdtag[i] = tt; tdp[i] = (tv != NOVM)
}

/* Backend teardown of a failed attempt (Provisioner.release scoped to the attempt's
 * tag): move that claim to cleaning; anything else is not this attempt's. */
#ifdef UNSCOPED_TEARDOWN
#define TEARDOWN_SCOPE(v, t) true           /* mutant: tear down the VM, whatever attempt holds it */
#else
#define TEARDOWN_SCOPE(v, t) (clt[v] == (t))
#endif
inline backend_teardown(i) {
  if
  :: tv != NOVM && cla[tv] == i && cls[tv] == ASSIGNED && TEARDOWN_SCOPE(tv, tt) ->
       assert(dlv[tv] == NOALLOC);          /* P2: never a delivered VM */
       cls[tv] = CLEANING
  :: else -> skip
  fi
}

/* Backend release of everything the allocation holds (customer release). */
inline backend_release_all(i) {
  if
  :: cla[0] == i && cls[0] == ASSIGNED -> assert(dlv[0] == NOALLOC); cls[0] = CLEANING
  :: else -> skip
  fi;
  if
  :: cla[1] == i && cls[1] == ASSIGNED -> assert(dlv[1] == NOALLOC); cls[1] = CLEANING
  :: else -> skip
  fi
}

/* Ghost: the current holder takes a delivered VM back (releasing, vm_gone). */
inline undeliver(i) {
  if
  :: vm[i] != NOVM && ep[i] == e -> dlv[vm[i]] = NOALLOC
  :: else -> skip
  fi
}

/* ---------------------------------------------------------------- pool backend: allocate
 * PoolAssignmentProvisioner.allocate(allocation i, attempt ee) through the claim
 * ledger (in the store). If i holds an ASSIGNED claim it gets that one back;
 * otherwise the first free VM in the catalog, claimed and tagged with the attempt.
 * CLEANING / QUARANTINED claims are never handed back. The ledger write is
 * conditional on the attempt still being the open one (LEDGER_OK). Result in vv, rr.
 */
inline ledger_allocate(i, ee, vv, rr) {
  vv = NOVM;
  if
  :: LEDGER_OK(i, ee) ->
     if
     :: cla[0] == i && cls[0] == ASSIGNED -> vv = 0
     :: cla[1] == i && cls[1] == ASSIGNED -> vv = 1
     :: else ->
        if
        :: cls[0] == FREE && incat[0] -> vv = 0
        :: else -> if :: cls[1] == FREE && incat[1] -> vv = 1 :: else -> skip fi
        fi;
        if
        :: vv != NOVM -> cla[vv] = i; cls[vv] = ASSIGNED; clt[vv] = ee
        :: else -> skip
        fi
     fi;
     if
     :: vv == NOVM -> rr = R_EXHAUSTED
     :: vv != NOVM -> rr = R_OK
     :: vv != NOVM && fails > 0 -> fails--; rr = R_LEFTOVER  /* created, then errored */
     fi
  :: else -> rr = R_REFUSED
  fi;
  /* one assigned claim per allocation */
  assert(!(cla[0] == i && cls[0] == ASSIGNED && cla[1] == i && cls[1] == ASSIGNED))
}

/* ---------------------------------------------------------------- worker
 * ProvisioningWorker + ProvisioningService: claim a row that needs work, then run
 * the decision of AllocationLifecycle for it. Every store write is conditional on
 * the claimed epoch (FENCED); a refused write is lease_lost: stop, tear nothing down.
 * A crash may happen before any step: memory is lost (an in-flight call is parked
 * and may still land), the process restarts and takes its leases back at once.
 */
#define WCRASH \
  :: atomic { crashes > 0 -> crashes--; \
       if :: owner[0] == w -> free_lease(0) :: else -> skip fi; \
       if :: owner[1] == w -> free_lease(1) :: else -> skip fi; \
       wforget() }; goto idle

/* claim (Store.claimWork): a row that needs work whose lease is free or expired.
 * Claiming a paid row also commits provisioning + the journal entry (journal begin)
 * in the same transaction. */
#define WCLAIM(i) \
  :: atomic { NEEDS_WORK(i) && LEASE_FREE(i) -> a = i; claim(a, w); \
       if \
       :: relreq[a] -> goto release \
       :: else -> if :: st[a] == PAID -> st[a] = PROVISIONING; jr[a] = J_PROV; goto call \
                     :: st[a] == PROVISIONING -> goto takeover \
                     :: else -> assert(false) \
                  fi \
       fi }

proctype Worker(byte w) {
  byte a = NOALLOC, e = 0, v = NOVM, r = R_NONE, tv = NOVM, tt = 0;

idle:
end_idle:
  if
  WCLAIM(0)
  WCLAIM(1)
  fi;

takeover:  /* recovery of an open provisioning journal entry (lease expired / owner crashed) */
  if
  :: goto call                                                /* finish it: allocate is idempotent */
  :: atomic { FENCED(a, e) -> st[a] = ROLLED_BACK; jr[a] = J_NONE;   /* or roll it back */
       journal_teardown(a);
       if :: !tdp[a] -> free_lease(a); wforget(); goto idle :: else -> goto teardown fi }
  :: atomic { !FENCED(a, e) -> wforget() }; goto idle
  WCRASH
  fi;

call:  /* Provisioner.allocate(allocation, attempt = epoch), lease renewed meanwhile */
  if
  :: atomic { ledger_allocate(a, e, v, r);                   /* the call returns */
       if
       :: r == R_OK -> goto finalize
       :: r == R_EXHAUSTED || r == R_LEFTOVER -> goto fail
       :: r == R_REFUSED -> wforget(); goto idle               /* lease_lost */
       fi }
  :: atomic { !(ep[a] == e && lvalid[a]) ->                  /* renewal failed: cancel */
       slot[w] = a; sep[w] = e; v = NOVM; goto fail }          /* ... the call may still land */
  :: atomic { crashes > 0 -> crashes--; slot[w] = a; sep[w] = e;   /* crash mid-call */
       if :: owner[0] == w -> free_lease(0) :: else -> skip fi;
       if :: owner[1] == w -> free_lease(1) :: else -> skip fi;
       wforget() }; goto idle
  fi;

finalize:  /* ProvisioningService.finalize: one commit, conditional on the epoch */
  if
  :: atomic { FENCED(a, e) ->
       assert(v != NOVM && cla[v] == a && cls[v] == ASSIGNED);     /* really held by a */
       assert(!(vm[1 - a] == v && LIVE(1 - a)));                   /* P1 at hand-out */
       st[a] = PROVISIONED; vm[a] = v; jr[a] = J_NONE; dlv[v] = a;
       free_lease(a); wforget() }; goto idle
  :: atomic { !FENCED(a, e) -> wforget() }; goto idle          /* lease_lost: tear nothing down */
  WCRASH
  fi;

fail:  /* failure record + teardown journal entry, one commit */
  if
  :: atomic { FENCED(a, e) -> st[a] = FAILED; jr[a] = J_NONE; journal_teardown(a);
       if :: !tdp[a] -> free_lease(a); wforget(); goto idle :: else -> goto teardown fi }
  :: atomic { !FENCED(a, e) -> wforget() }; goto idle          /* lease_lost: tear nothing down */
  WCRASH
  fi;

teardown:  /* tearDown(attempt): the backend call, then close the journal entry */
  if
  :: atomic { backend_teardown(a) }
  :: atomic { fails > 0 -> fails--;                             /* failed: stays open */
       if :: FENCED(a, e) -> free_lease(a) :: else -> skip fi; wforget() }; goto idle
  WCRASH
  fi;
  if
  :: atomic { FENCED(a, e) -> tdp[a] = false; tdvm[a] = NOVM; tdtag[a] = 0;
       free_lease(a); wforget() }; goto idle
  :: atomic { !FENCED(a, e) -> wforget() }; goto idle
  WCRASH
  fi;

release:  /* an acknowledged release: releasing + journal; then the pool's release and
           * released in ONE commit (ReleasePreparing: the backend prepares its ledger
           * write, the Host commits it with released, conditional on the epoch) */
  if
  :: atomic { FENCED(a, e) -> undeliver(a); st[a] = RELEASING; jr[a] = J_REL; vm[a] = NOVM }
  :: atomic { !FENCED(a, e) -> wforget() }; goto idle
  WCRASH
  fi;
  if
  :: atomic { FENCED(a, e) -> backend_release_all(a); st[a] = RELEASED; jr[a] = J_NONE;
       tdp[a] = false; tdvm[a] = NOVM; tdtag[a] = 0; free_lease(a); wforget() }; goto idle
  :: atomic { fails > 0 -> fails--;                             /* retried by the next claim */
       if :: FENCED(a, e) -> free_lease(a) :: else -> skip fi; wforget() }; goto idle
  :: atomic { !FENCED(a, e) -> wforget() }; goto idle          /* lease_lost: the write is refused too */
  WCRASH
  fi
}

/* ---------------------------------------------------------------- reconcile pass
 * ReconcileService: deadlines (take over by bumping the epoch, fence the holder out,
 * record failed/deadline_exceeded and journal the teardown of what was created),
 * retry of open teardowns (also what recovery does at start-up for them), and
 * vm_gone. It holds leases like a worker (owner RECON) and may crash too.
 */
#define RCRASH \
  :: atomic { crashes > 0 -> crashes--; \
       if :: owner[0] == RECON -> free_lease(0) :: else -> skip fi; \
       if :: owner[1] == RECON -> free_lease(1) :: else -> skip fi; \
       forget() }; goto idle

#define RPASS(i) \
  :: atomic { deadlines > 0 && (st[i] == PROVISIONING || st[i] == RELEASING) && EPOCH_ROOM(i) -> \
       deadlines--; a = i; claim(a, RECON); \
       st[a] = FAILED; jr[a] = J_NONE; journal_teardown(a); \
       if :: !tdp[a] -> free_lease(a); forget(); goto idle :: else -> goto teardown fi } \
  :: atomic { tdp[i] && LEASE_FREE(i) -> a = i; claim(a, RECON); \
       tv = tdvm[a]; tt = tdtag[a]; goto teardown } \
  :: atomic { gones > 0 && LIVE(i) && LEASE_FREE(i) -> gones--; a = i; claim(a, RECON); \
       undeliver(a); st[a] = FAILED; vm[a] = NOVM; journal_teardown(a); \
       if :: !tdp[a] -> free_lease(a); forget(); goto idle :: else -> goto teardown fi }

proctype Reconcile() {
  byte a = NOALLOC, e = 0, tv = NOVM, tt = 0;

idle:
end_idle:
  if
  RPASS(0)
  RPASS(1)
  fi;

teardown:
  if
  :: atomic { backend_teardown(a) }
  :: atomic { fails > 0 -> fails--;
       if :: FENCED(a, e) -> free_lease(a) :: else -> skip fi; forget() }; goto idle
  RCRASH
  fi;
  if
  :: atomic { FENCED(a, e) -> tdp[a] = false; tdvm[a] = NOVM; tdtag[a] = 0;
       free_lease(a); forget() }; goto idle
  :: atomic { !FENCED(a, e) -> forget() }; goto idle
  RCRASH
  fi
}

/* ---------------------------------------------------------------- late landings
 * A parked call (see slot) lands now -- through the same ledger, with the attempt
 * it was made for -- or is dropped (its cancel took effect). Nobody reads the result.
 */
#define LAND(k) \
  :: atomic { slot[k] != NOALLOC -> ledger_allocate(slot[k], sep[k], v, r); \
       slot[k] = NOALLOC; sep[k] = 0; v = 0; r = 0 } \
  :: atomic { slot[k] != NOALLOC -> slot[k] = NOALLOC; sep[k] = 0 }

proctype Backend() {
  byte v, r;
end_idle:
  do
  LAND(0)
  LAND(1)
  od
}

/* ---------------------------------------------------------------- environment
 * Lease expiry (abstract time), the pool's release hook (free or quarantine a
 * cleaning VM; the cleaning deadline also quarantines), the operator's
 * POST /admin/pool/{vm}/return (only from quarantined), and pool refresh
 * (a VM leaves or re-enters the catalog; its claim, if any, is untouched).
 */
#define POOLOPS(k) \
  :: atomic { cls[k] == CLEANING -> cla[k] = NOALLOC; cls[k] = FREE; clt[k] = 0 } \
  :: atomic { cls[k] == CLEANING && quars > 0 -> quars--; cls[k] = QUARANTINED } \
  :: atomic { cls[k] == QUARANTINED -> cla[k] = NOALLOC; cls[k] = FREE; clt[k] = 0 } \
  :: atomic { refreshes > 0 -> refreshes--; incat[k] = !incat[k] }

proctype Env() {
end_idle:
  do
  :: atomic { expiries > 0 && lvalid[0] -> expiries--; lvalid[0] = false }
  :: atomic { expiries > 0 && lvalid[1] -> expiries--; lvalid[1] = false }
  POOLOPS(0)
  POOLOPS(1)
  od
}

/* ---------------------------------------------------------------- customers
 * pay (or not), then maybe DELETE (acknowledged: release_requested is committed),
 * and while the order is failed with rollback_available, maybe retry it.
 */
proctype Customer(byte i) {
  if
  :: st[i] = PAID
  :: skip
  fi;
end_idle:
  do
  :: atomic { !relreq[i] && st[i] != RELEASED -> relreq[i] = true }; break
  :: atomic { retries > 0 && !relreq[i] && (st[i] == FAILED || st[i] == ROLLED_BACK) && !tdp[i] ->
       /* rollback_available: nothing of this allocation is left assigned */
       assert(!(cla[0] == i && cls[0] == ASSIGNED) && !(cla[1] == i && cls[1] == ASSIGNED));
       retries--; st[i] = PAID }
  :: break
  od
}

/* ---------------------------------------------------------------- P4: quiescence
 * When no process can move (timeout), nothing may be left behind. */
proctype Quiescence() {
  byte i;
  timeout ->
  atomic {
    i = 0;
    do
    :: i < NA ->
       assert(st[i] != PAID && st[i] != PROVISIONING && st[i] != RELEASING);
       assert(jr[i] == J_NONE && !tdp[i]);          /* no open journal entry */
       assert(!relreq[i] || st[i] == RELEASED);     /* acknowledged releases done */
       assert(!lvalid[i]);                          /* no lease left held */
       assert(!LIVE(i) || (vm[i] != NOVM && cla[vm[i]] == i && cls[vm[i]] == ASSIGNED));
       i++
    :: else -> break
    od;
    i = 0;
    do
    :: i < NV ->
       assert(cls[i] == FREE || cls[i] == ASSIGNED); /* hooks / operator done */
       /* no leaked VM: an assigned claim belongs to a live allocation that has it */
       assert(cls[i] != ASSIGNED || (LIVE(cla[i]) && vm[cla[i]] == i));
       i++
    :: else -> break
    od;
    assert(slot[0] == NOALLOC && slot[1] == NOALLOC)  /* no call still in flight */
  }
}

/* ---------------------------------------------------------------- invariants
 * Checked in every reachable state at no cost in states: the guard is false unless
 * the invariant is broken, so the monitor adds no transitions until then. */
#define ONE_HOLDER  (!(vm[0] != NOVM && vm[0] == vm[1] && LIVE(0) && LIVE(1)))
#define HELD(i)     (!LIVE(i) || (vm[i] != NOVM && cla[vm[i]] == i && cls[vm[i]] == ASSIGNED))
#define DELIVERED_IS_HELD (HELD(0) && HELD(1))

proctype Invariants() {
end_watch:
  atomic { !(ONE_HOLDER && DELIVERED_IS_HELD) ->
    assert(ONE_HOLDER);          /* P1: no VM delivered to two live allocations */
    assert(DELIVERED_IS_HELD)    /* P2: a delivered VM stays assigned to its allocation */
  }
}

c_code {
  /* verifier-only: take a budget from the environment (LIFECYCLE_<NAME>=n) */
  static int lifecycle_budget(const char *name, int dflt) {
    const char *v = getenv(name);
    return (v && *v) ? atoi(v) : dflt;
  }
}

init {
  c_code {
    now.expiries  = lifecycle_budget("LIFECYCLE_EXPIRIES",  now.expiries);
    now.crashes   = lifecycle_budget("LIFECYCLE_CRASHES",   now.crashes);
    now.fails     = lifecycle_budget("LIFECYCLE_FAILS",     now.fails);
    now.deadlines = lifecycle_budget("LIFECYCLE_DEADLINES", now.deadlines);
    now.gones     = lifecycle_budget("LIFECYCLE_GONES",     now.gones);
    now.retries   = lifecycle_budget("LIFECYCLE_RETRIES",   now.retries);
    now.refreshes = lifecycle_budget("LIFECYCLE_REFRESHES", now.refreshes);
    now.quars     = lifecycle_budget("LIFECYCLE_QUARS",     now.quars);
  };
  atomic {
    run Invariants();
    run Worker(0); run Worker(1); run Reconcile(); run Backend(); run Env();
    run Customer(0); run Customer(1); run Quiescence()
  }
}

/* ---------------------------------------------------------------- LTL properties */
/* P1 again, as a never claim (the Invariants monitor checks it in safety runs) */
ltl one_holder { [] ONE_HOLDER }
/* P2 as a state invariant: a delivered VM is held (assigned) by its allocation */
ltl delivered_is_held { [] DELIVERED_IS_HELD }
/* P3: every acknowledged release finishes */
ltl release_finishes {
  [] ((relreq[0] -> <> (st[0] == RELEASED)) && (relreq[1] -> <> (st[1] == RELEASED)))
}
