/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * loopx: a file-backed block device speaking the <linux/loop.h> ABI.
 *
 * Lock order, outermost first (Documentation/design.md explains why):
 *
 *   loopx_bind_mutex        serialises every change of a backing file, so the
 *                           check against stacking cycles cannot race
 *   disk->open_mutex        the block layer holds it around ->open/->release
 *   lo->lock                state, open count and configuration
 *   q freeze                waits for in-flight requests
 *   lo->file_lock           a spinlock for readers that may not sleep on
 *                           lo->lock (sysfs, the stacking check)
 *
 *   loopx_ctl_mutex         the index space; taken before lo->lock, never
 *                           together with disk->open_mutex
 */
#ifndef LOOPX_H
#define LOOPX_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/llist.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/wait.h>
#include <linux/loop.h>

#include "compat.h"
#include <linux/loopx.h>
#include <linux/loopx_transfer.h>

/*
 * unbound -> bound       LOOP_SET_FD / LOOP_CONFIGURE
 * bound -> rundown       detach: last close with autoclear, or LOOP_CLR_FD
 *                        by the sole opener; I/O is drained, file released
 * rundown -> unbound     detach finished
 * unbound -> deleting    LOOP_CTL_REMOVE or module unload; no way back
 */
enum loopx_state {
	LOOPX_UNBOUND,
	LOOPX_BOUND,
	LOOPX_RUNDOWN,
	LOOPX_DELETING,
};

/*
 * Requests that carry more bio_vecs than this are copied into an array
 * allocated in the worker; every single-bio request uses the bio's own table.
 * A merge of a few bios fits. More would cost memory in every request of
 * every device, bound or not, for the large merges that allocate anyway.
 */
#define LOOPX_INLINE_BVECS	4

/**
 * struct loopx_cmd - per-request state, lives in the request's PDU
 * @node: on its hardware queue's list of requests for the worker
 * @work: runs a direct I/O request on its own, beside the others;
 *	initialised once in ->init_request, queued at most once per attempt,
 *	on the device's workqueue or on loopx_local; its function touches the
 *	command only until the request completes, so the PDU may be freed
 *	while the function returns (the device's workqueue is destroyed in
 *	->free_disk, loopx_local at module exit, each after every request
 *	queued on it has ended)
 * @iocb: the file I/O in flight; completes the request when it ends
 * @ret: result of the file operation, read by ->complete
 * @bvec_alloc: a bio_vec array allocated for this request, freed when the
 *	file I/O ends; NULL when the bio's table or @inline_bvec serves
 * @inline_bvec: the bio_vecs of a small multi-bio request
 * @done: bytes a short transfer already moved; the rest is retried
 * @sb_write: a write holds freeze protection of the backing superblock
 * @direct: this attempt runs with IOCB_DIRECT
 * @buffered: the backing file refused this request's direct I/O: every
 *	further attempt goes through its page cache
 * @nowait: this attempt runs on loopx_local and must not wait
 *	(IOCB_NOWAIT); if it would, the request is redone off that CPU
 * @w: the ordered worker the request was handed to, where it is redone;
 *	NULL for one in @work. Set each time the request is handed on. A
 *	worker outlives the requests it holds: a queue's until ->exit_hctx,
 *	a cgroup's until the reaper or unbind finds its list empty and its
 *	works idle, and a buffered request is only redone from inside its
 *	worker's own run
 *
 * Once the file I/O has been submitted, @iocb's completion may end the
 * request at any moment: the submitter must not touch the command again.
 */
struct loopx_cmd {
	struct llist_node node;
	struct work_struct work;
	struct kiocb iocb;
	long ret;
	struct bio_vec *bvec_alloc;
	struct bio_vec inline_bvec[LOOPX_INLINE_BVECS];
	unsigned int done;
	bool sb_write;
	bool direct;
	bool buffered;
	bool nowait;
	struct loopx_worker *w;
};

/**
 * struct loopx_worker - an ordered worker for buffered requests (io.c)
 * @lo: the device
 * @cmds: requests waiting for @work or @local_work, newest first
 * @work: runs on the device's unbound workqueue: takes every waiting
 *	request, oldest first
 * @local_work: on the submitting CPU, for a request alone on its queue
 *	(loopx_run_here()): takes the waiting requests once and tries each
 *	without waiting, handing what would wait to @work
 *
 * Each hardware queue has one, and so has each cgroup other than the root
 * that submits buffered requests (cgroup_workers.c). Whoever frees it
 * flushes both works first.
 */
struct loopx_worker {
	struct loopx_device *lo;
	struct llist_head cmds;
	struct work_struct work;
	struct work_struct local_work;
};

/**
 * struct loopx_hw_queue - per hardware queue state, in hctx->driver_data
 * @w: the queue's worker, for the root cgroup's buffered requests
 * @inflight: requests accepted by ->queue_rq and not yet completed; the
 *	unbind path waits for the sum over all queues to reach zero
 * @spread_until: jiffies until which hand-offs go to the unbound
 *	workqueue even at depth one, because the queue was seen deeper
 *
 * Lifetime: from ->init_hctx to ->exit_hctx, which flushes @w first.
 */
struct loopx_hw_queue {
	struct loopx_worker w;
	atomic_t inflight;
	unsigned long spread_until;
} ____cacheline_aligned_in_smp;
/* how long a queue seen deeper than one keeps spreading its requests */
#define LOOPX_SPREAD_JIFFIES	(HZ / 10)

/* Bits of loopx_device.refused: the backing file refused at run time ... */
enum {
	LOOPX_REFUSED_DIO,		/* ... a direct request */
	LOOPX_REFUSED_SHORT_DIO,	/* ... to read to its end directly */
	LOOPX_REFUSED_DISCARD,		/* ... to punch a hole */
	LOOPX_REFUSED_NR,
};

/**
 * struct loopx_xfer_state - the transform a device uses (transfer.c)
 * @ops: the transform, NULL for none; its module is pinned while set
 * @state: what @ops->init returned, key material included
 * @pool: bounce pages for writes, see xfer_io.c
 * @type: lo_encrypt_type as set, LO_CRYPT_NONE for none
 * @key_size: lo_encrypt_key_size as set, 0 for a keyring key; the key
 *	itself is not kept here
 * @unit_size: the data unit, 512 or 4096 bytes
 * @discard: discard punches holes all the same (LOOPX_CRYPT_DISCARD)
 * @name: what sysfs shows as the device's encryption
 *
 * Lifetime: made by loopx_xfer_get() before the device's locks are taken;
 * installed by loopx_xfer_install() under lo->lock and lo->file_lock with the
 * queue frozen or the device unbound; the one it replaces, and the device's
 * own at unbind (after loopx_drain(), so no request uses it), is freed by
 * loopx_xfer_put() outside the freeze: @pool, then @state (wiping the key),
 * then the module reference on @ops.
 */
struct loopx_xfer_state {
	const struct loopx_transfer *ops;
	void *state;
	mempool_t *pool;
	u32 type;
	u32 key_size;
	unsigned int unit_size;
	bool discard;
	char name[LO_NAME_SIZE];
};

/**
 * struct loopx_file_key - what LOOPX_CTL_LOOKUP finds a backing file by
 * @dev: st_dev of the file as stat(2) gives it (huge_encode_dev())
 * @ino: its st_ino
 * @valid: the file could be stat()ed when it was bound
 */
struct loopx_file_key {
	u64 dev;
	u64 ino;
	bool valid;
};

/**
 * struct loopx_bind_opts - what loopx's configure ioctls add to a binding
 * @flags: LOOPX_CONFIG_*
 * @crypt: the encryption that struct loop_info64 cannot express, or NULL
 * @tag: the binding's tag, or NULL; the binding keeps a copy
 */
struct loopx_bind_opts {
	u32 flags;
	const struct loopx_crypt *crypt;
	const char *tag;
};

/**
 * struct loopx_device - one /dev/loopxN
 * @index: N of /dev/loopxN, the key in loopx_idr
 * @compat: loaded with compat=1: loop's defaults, and no transforms
 * @dio_default: a binding that does not ask otherwise uses direct I/O
 * @dio_off_reason: what loop/dio_reason says of a binding that did not
 *	ask for direct I/O
 * @partscan: every binding scans partitions (max_part is not zero)
 * @bound_hw_queues: the hardware queues a binding gets (queues.c); under
 *	@lock
 * @disk: the gendisk; its private_data points back here
 * @tag_set: the blk-mq tag set of @disk's queue
 * @wq: the unbound workqueue requests are handed to, while bound
 *	(queues.c); set before the binding's capacity and cleared after its
 *	drain, under @lock, so ->queue_rq of a request that found @file reads
 *	it without a lock
 * @cg_workers: the workers of cgroups other than the root, by the id of
 *	their blkcg (cgroup_workers.c); its lock guards each worker's
 *	lifetime. Empty while unbound.
 * @cg_reap: frees the cgroup workers that have been idle for a while; on
 *	system_wq, while @cg_workers is not empty
 * @lock: serialises state changes, @open_count, @holds and configuration
 * @state: LOOPX_UNBOUND, LOOPX_BOUND, ...; written under @lock by
 *	loopx_set_state(), read with READ_ONCE() elsewhere
 * @open_count: openers of the disk and its partitions; written under
 *	@lock, read without it by a strict detach's wait
 * @holds: control-node references that keep the device from being
 *	removed; under @lock, see loopx_dev_hold()
 * @release_wq: woken at every close (a waiting strict detach)
 * @draining: set while unbinding, so that new requests are refused
 * @drain_wq: woken as requests complete, for the drain of an unbind
 * @file_lock: makes @file and @xfer stable for readers outside @lock;
 *	their writers hold @lock as well
 * @file: the backing file, of which the device holds one reference
 * @offset: where the device starts in @file, in bytes
 * @sizelimit: the device's size in bytes, 0 for up to the end of @file
 * @flags: LO_FLAGS_*
 * @use_dio: requests are IOCB_DIRECT on @file
 * @written: a write reached @file since the bind
 * @file_name: lo_file_name as the caller set it
 * @crypt_name: lo_crypt_name as the caller set it: the cipher for
 *	LO_CRYPT_CRYPTOAPI, a free-form tag with no transform
 * @xfer: the transform between the device and @file, if any
 * @dio_align: the DIO offset alignment of @file
 * @dio_mem_align: the DIO memory alignment of @file
 * @dio_reason: why direct I/O is off, or ""
 * @dio_err: the errno behind @dio_reason, or 0
 * @no_zero_range: @file refused FALLOC_FL_ZERO_RANGE; punch and reallocate
 * @sysfs_added: the loop/ sysfs group exists; under @lock
 * @file_key: the numbers of @file, by which lookup.c's index finds the
 *	device; under @lock
 * @file_node: the device's entry in that index, while @file_key is valid
 * @tag: the binding's tag, or NULL; set and cleared under @lock and
 *	lookup.c's index lock, read under either. Allocated before the
 *	binding takes its locks, freed by loopx_tag_clear() when it is
 *	undone (no request reads it)
 * @tag_node: the device's entry in the index of tags, while @tag is set
 * @refused: LOOPX_REFUSED_* bits, what @file refused at run time (see
 *	fallback.c)
 * @refused_err: the errno of the latest refusal of each kind
 * @refusal_work: turns refused features off. Queued on system_wq from
 *	any context while a request is in flight; takes @lock and checks the
 *	state, so it may run after an unbind (which clears @refused) and do
 *	nothing. ->free_disk flushes it before the device is freed.
 *
 * Lifetime: allocated by loopx_dev_add(), reachable through loopx_idr while
 * it exists; freed by ->free_disk once the last reference to the gendisk is
 * gone, which is after del_gendisk() and after every opener has closed.
 *
 * The fields from @file_lock to @sysfs_added are the configuration: they
 * change with @lock held and either the queue frozen or the device unbound
 * with capacity zero, which is why the I/O path reads them without locks.
 * One exception: LOOP_CLR_FD on a busy device sets LO_FLAGS_AUTOCLEAR in
 * @flags under @lock alone, so the I/O path reads @flags with READ_ONCE().
 *
 * A field that sysfs, the I/O path or a wait condition reads without @lock
 * (@state, @open_count, @offset, @sizelimit, @flags, @draining, @written,
 * @dio_reason, @dio_err) is read with READ_ONCE() and written with
 * WRITE_ONCE().
 */
struct loopx_device {
	int index;
	/* module parameters, copied when the device is created */
	bool compat;
	bool dio_default;
	const char *dio_off_reason;
	bool partscan;
	unsigned int bound_hw_queues;

	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;
	struct workqueue_struct *wq;
	struct xarray cg_workers;
	struct delayed_work cg_reap;

	struct mutex lock;		/* state, open count, configuration */
	enum loopx_state state;
	unsigned int open_count;
	unsigned int holds;
	wait_queue_head_t release_wq;
	bool draining;
	wait_queue_head_t drain_wq;

	/* configuration */
	spinlock_t file_lock;		/* writers also hold lo->lock */
	struct file *file;
	loff_t offset;
	loff_t sizelimit;
	u32 flags;
	bool use_dio;
	bool written;
	char file_name[LO_NAME_SIZE];
	char crypt_name[LO_NAME_SIZE];
	struct loopx_xfer_state xfer;
	u32 dio_align;
	u32 dio_mem_align;
	const char *dio_reason;
	int dio_err;
	bool no_zero_range;
	bool sysfs_added;
	struct loopx_file_key file_key;
	struct hlist_node file_node;
	char *tag;
	struct hlist_node tag_node;

	/* what the data path learned */
	unsigned long refused;
	int refused_err[LOOPX_REFUSED_NR];
	struct work_struct refusal_work;
};

/*
 * The drop-in build (Kbuild, LOOPX_AS_LOOP=y) is a module named loop and
 * starts in compat mode; loopx.ko starts native.
 */
#ifndef LOOPX_COMPAT_DEFAULT
#define LOOPX_COMPAT_DEFAULT false
#define LOOPX_COMPAT_DEFAULT_NAME "off"
#else
#define LOOPX_COMPAT_DEFAULT_NAME "on (this is the drop-in loop module)"
#endif

/* main.c */
extern struct mutex loopx_ctl_mutex;
extern struct mutex loopx_bind_mutex;
int loopx_dev_add(int index);
int loopx_dev_remove(int index);
int loopx_dev_get_free(void);
void loopx_set_state(struct loopx_device *lo, enum loopx_state state);
struct loopx_device *loopx_dev_hold(int index);
void loopx_dev_unhold(struct loopx_device *lo);
void loopx_free_disk(struct gendisk *disk);
bool loopx_is_loopx_bdev(struct block_device *bdev);

/* ctl.c */
int loopx_ctl_register(bool compat);
void loopx_ctl_unregister(void);

/* bind.c */
int loopx_lock(struct loopx_device *lo);
void loopx_unlock(struct loopx_device *lo);
int loopx_configure(struct loopx_device *lo, blk_mode_t mode,
		    const struct loop_config *config,
		    const struct loopx_bind_opts *opts);
int loopx_bind_opts_get(struct loopx_bind_opts *opts, u32 flags, u64 crypt,
			const struct loopx_config_ext *ext,
			struct loopx_crypt *crypt_buf);
void loopx_bind_opts_put(struct loopx_bind_opts *opts);
int loopx_clear(struct loopx_device *lo);
struct file *loopx_unbind(struct loopx_device *lo);
int loopx_detach(struct loopx_device *lo, struct loopx_detach *req);
int loopx_change_fd(struct loopx_device *lo, unsigned int fd);
void loopx_scan_partitions(struct loopx_device *lo);

/* settings.c */
int loopx_set_status(struct loopx_device *lo, blk_mode_t mode,
		     const struct loop_info64 *info);
int loopx_get_status(struct loopx_device *lo, struct loop_info64 *info);
int loopx_set_capacity(struct loopx_device *lo);
int loopx_set_dio(struct loopx_device *lo, unsigned long arg);
int loopx_set_block_size(struct loopx_device *lo, blk_mode_t mode,
			 unsigned long arg);

/* limits.c */
void loopx_probe_backing(struct loopx_device *lo, struct file *file);
const char *loopx_dio_unusable(struct loopx_device *lo, struct file *file,
			       loff_t offset, unsigned int block_size,
			       int *err);
void loopx_apply_dio(struct loopx_device *lo, bool want,
		     const char *off_reason, int off_err);
void loopx_set_discard_limits(struct loopx_device *lo, unsigned int sectors,
			      unsigned int granularity);
unsigned int loopx_default_block_size(struct loopx_device *lo, bool want_dio);
void loopx_set_block_limits(struct loopx_device *lo, unsigned int block_size);
void loopx_set_file_limits(struct loopx_device *lo);
void loopx_reset_limits(struct loopx_device *lo);
sector_t loopx_file_sectors(struct loopx_device *lo, struct file *file);

/* fallback.c */
void loopx_refused(struct loopx_device *lo, unsigned int what, int err);
void loopx_refusal_work(struct work_struct *work);
void loopx_forget_refusals(struct loopx_device *lo);
long loopx_discard(struct loopx_device *lo, loff_t pos, unsigned int len);
long loopx_write_zeroes(struct loopx_device *lo, loff_t pos,
			unsigned int len, bool unmap);

/* queues.c */
int loopx_queues_up(struct loopx_device *lo);
void loopx_queues_down(struct loopx_device *lo);

/* io.c */
extern const struct blk_mq_ops loopx_mq_ops;
void loopx_drain(struct loopx_device *lo);
int loopx_init_iter(struct loopx_cmd *cmd, struct request *rq,
		    struct iov_iter *iter, unsigned int dir);
void loopx_free_iter(struct loopx_cmd *cmd);
void loopx_zero_fill(struct request *rq, unsigned long done);
int loopx_io_init(void);
void loopx_io_exit(void);
void loopx_worker_init(struct loopx_worker *w, struct loopx_device *lo);
void loopx_worker_queue(struct loopx_worker *w, struct loopx_cmd *cmd,
			bool here);
void loopx_worker_flush(struct loopx_worker *w);

/* cgroup_workers.c */
void loopx_cg_workers_init(struct loopx_device *lo);
bool loopx_cg_queue(struct loopx_device *lo, struct loopx_cmd *cmd,
		    bool here);
void loopx_cg_workers_stop(struct loopx_device *lo);
unsigned int loopx_cg_workers_count(struct loopx_device *lo);

/* transfer.c */
int loopx_xfer_init(void);
void loopx_xfer_exit(void);
int loopx_xfer_get(struct loopx_device *lo, struct loopx_xfer_state *x,
		   const struct loop_info64 *info,
		   const struct loopx_crypt *crypt);
void loopx_xfer_put(struct loopx_xfer_state *x);
void loopx_xfer_install(struct loopx_device *lo, struct loopx_xfer_state *x);
void loopx_xfer_name(struct loopx_device *lo, char *buf);
bool loopx_xfer_unchanged(struct loopx_device *lo,
			  const struct loop_info64 *info);
void loopx_wipe_key(struct loop_info64 *info);

/* lookup.c */
void loopx_file_key(struct file *file, struct loopx_file_key *key);
void loopx_index_add(struct loopx_device *lo, const struct loopx_file_key *key);
void loopx_index_del(struct loopx_device *lo);
int loopx_lookup(struct loopx_lookup __user *argp);
char *loopx_tag_from_user(u64 uptr, u32 len);
void loopx_tag_set(struct loopx_device *lo, char *tag);
void loopx_tag_clear(struct loopx_device *lo);
ssize_t loopx_tag_show(struct loopx_device *lo, char *buf);

/* keyring.c */
int loopx_crypt_params(const struct loopx_crypt *crypt,
		       struct loopx_xfer_params *p, u8 *key, char *name);
const struct loopx_crypt *loopx_crypt_from_user(u64 uptr,
						struct loopx_crypt *buf);

/* cipher.c */
int loopx_cipher_register(void);
void loopx_cipher_unregister(void);

/* xfer_io.c */
long loopx_xfer_rw(struct loopx_device *lo, struct loopx_cmd *cmd, loff_t pos);

/**
 * struct loopx_charge - a worker's charging to a request's cgroups
 * @blkcg: the blkcg the request's bios were charged to, or NULL
 * @memcg: a reference to its memcg, or NULL; dropped by
 *	loopx_charge_leave(), so it outlives a request that completes first
 * @old_memcg: the active memcg before, restored on leaving
 */
struct loopx_charge {
	struct cgroup_subsys_state *blkcg;
	struct cgroup_subsys_state *memcg;
	struct mem_cgroup *old_memcg;
};

/* charge.c */
void loopx_charge_enter(struct request *rq, struct loopx_charge *c);
void loopx_charge_leave(struct loopx_charge *c);

/* bdops.c; loopx_open() and loopx_release() are declared in compat.h */
extern const struct block_device_operations loopx_fops;

/* sysfs.c */
extern const struct attribute_group *loopx_disk_groups[];
int loopx_sysfs_add(struct loopx_device *lo);
void loopx_sysfs_remove(struct loopx_device *lo);

static inline bool loopx_is_bound(struct loopx_device *lo)
{
	return READ_ONCE(lo->state) == LOOPX_BOUND;
}

#endif /* LOOPX_H */
