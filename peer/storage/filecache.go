package storage

import (
	"container/list"
	"errors"
	"os"
	"sync"
)

// ErrClosed is returned by operations on a closed Storage.
var ErrClosed = errors.New("storage closed")

// fileCache is an LRU cache of open files, keyed by file index, safe for
// concurrent use. A handle stays open while anyone holds it, even after
// eviction; it is closed when the last holder releases it.
type fileCache struct {
	max  int
	open func(idx int, write bool) (*os.File, error)

	mu     sync.Mutex
	byIdx  map[int]*handle
	lru    list.List // of *handle, most recently used first
	closed bool
}

// handle is one open file. f is safe for concurrent ReadAt/WriteAt.
type handle struct {
	f     *os.File
	idx   int
	write bool
	refs  int
	gone  bool // no longer in the cache: close when refs drops to 0
	elem  *list.Element
}

func newFileCache(max int, open func(idx int, write bool) (*os.File, error)) *fileCache {
	return &fileCache{max: max, open: open, byIdx: make(map[int]*handle)}
}

// get returns an open handle for file idx, writable if write is set. The
// caller must put it back.
func (c *fileCache) get(idx int, write bool) (*handle, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	if h := c.byIdx[idx]; h != nil && (h.write || !write) {
		h.refs++
		c.lru.MoveToFront(h.elem)
		c.mu.Unlock()
		return h, nil
	}
	c.mu.Unlock()

	f, err := c.open(idx, write) // outside the lock: may create directories
	if err != nil {
		return nil, err
	}

	var toClose []*os.File
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		f.Close()
		return nil, ErrClosed
	}
	if h := c.byIdx[idx]; h != nil {
		if h.write || !write { // another goroutine opened it meanwhile
			h.refs++
			c.lru.MoveToFront(h.elem)
			c.mu.Unlock()
			f.Close()
			return h, nil
		}
		toClose = c.drop(h, toClose) // read-only handle upgraded
	}
	h := &handle{f: f, idx: idx, write: write, refs: 1}
	h.elem = c.lru.PushFront(h)
	c.byIdx[idx] = h
	for c.lru.Len() > c.max {
		toClose = c.drop(c.lru.Back().Value.(*handle), toClose)
	}
	c.mu.Unlock()
	for _, f := range toClose {
		f.Close()
	}
	return h, nil
}

// put releases a handle obtained from get.
func (c *fileCache) put(h *handle) {
	c.mu.Lock()
	h.refs--
	closeNow := h.gone && h.refs == 0
	c.mu.Unlock()
	if closeNow {
		h.f.Close()
	}
}

// drop removes h from the cache; its file is appended to toClose when no
// one holds it. Called with c.mu held.
func (c *fileCache) drop(h *handle, toClose []*os.File) []*os.File {
	c.lru.Remove(h.elem)
	delete(c.byIdx, h.idx)
	h.gone = true
	if h.refs == 0 {
		toClose = append(toClose, h.f)
	}
	return toClose
}

// closeAll closes every idle handle and refuses further gets; held handles
// close when released. It returns the first close error.
func (c *fileCache) closeAll() error {
	var toClose []*os.File
	c.mu.Lock()
	c.closed = true
	for c.lru.Len() > 0 {
		toClose = c.drop(c.lru.Back().Value.(*handle), toClose)
	}
	c.mu.Unlock()
	var first error
	for _, f := range toClose {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
