#!/usr/bin/env node
// The include directory native/index compiles against: USearch's headers (the npm package
// `usearch`, pinned in package.json) with the patches below applied, written under OUTDIR/usearch/.
// binding.gyp and CMakeLists.txt run it at configure time; it prints OUTDIR, absolute.
//
//   node native/index/usearch-patch.mjs OUTDIR [--from DIR]
//
// --from: the headers' directory (holding usearch/*.hpp) instead of the installed package's
// include/, for the tests of this script.
// Each patch replaces one exact passage; a passage found other than once (another USearch
// version) stops the build, naming the patch. Files are rewritten only when their text changes,
// so a second configure does not rebuild the index sources. ann_index_impl.h refuses headers
// without W2V_USEARCH_PATCHED.
//
// Why patch: index_dense_gt, the library's wrapper we build on, hides two costs of its search
// from its callers (measured on 1M x 100 cosine, 2 threads: bench/results/studies/index-usearch-patch.md):
//   - every candidate entering a search's results is checked against the removed-row key, a read
//     of its graph node, a cache miss for most candidates (the graph's own search reads a node
//     only to expand it);
//   - the graph search takes a prefetch hook for the rows it is about to score, but the wrapper
//     passes none, so each distance waits on a row from memory, and each expansion of a
//     candidate waits on its graph node.
// The patches skip the check while no row is removed (nor being re-added into a removed row's
// slot), and prefetch the rows and nodes in searches and inserts. Both are candidates for
// upstream. Patch level 2 added the node's load to the prefetch hook
// (bench/results/studies/index-node-prefetch.md). Level 3 makes that load safe beside adds:
// the library's candidate iterator (index.hpp), which the hook walks, re-read the neighbour
// list's length at every step, so a list that an add on another thread rewrote meanwhile could
// walk it past the list's end; it now reads the length once, and the hook skips slots beyond
// the node count. ASan caught level 2 reading a wild node in the core test
// ann_index_searches_while_rows_are_added_and_removed. Level 4 prefetches through GCC's and
// Clang's __builtin_prefetch instead of the library's usearch_prefetch_m, which under Clang is
// _mm_prefetch without its header (the fuzz build, bench/fuzz.sh, stopped there).
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The patch level; ann_index_impl.h requires this exact value. */
const PATCH_LEVEL = 4;

const PATCHES = [
  {
    name: 'marker',
    file: 'index_dense.hpp',
    find: '#pragma once\n#include "index.hpp"\n',
    replace: `#pragma once\n// Patched for word2vec-native by native/index/usearch-patch.mjs.\n#define W2V_USEARCH_PATCHED ${PATCH_LEVEL}\n#include "index.hpp"\n`,
  },
  {
    name: 'rows prefetch hook',
    file: 'index_dense.hpp',
    find: '    index_dense_config_t config_;\n    index_t* typed_ = nullptr;\n',
    replace: `    /// Prefetches the rows of the candidates a graph traversal is about to score (the hook
    /// index_gt takes; the wrapper passed none), and loads each candidate's key, which brings its
    /// graph node into cache before the traversal expands it. The empty asm keeps the loop: a
    /// loop of prefetches alone has no effect the compiler must keep, and GCC drops it.
    struct vectors_prefetch_t {
        index_dense_gt const* index_;
        template <typename member_citerator_like_at>
        inline void operator()(member_citerator_like_at begin, member_citerator_like_at end) const noexcept {
            std::size_t const bytes = index_->metric_.bytes_per_vector();
            std::size_t const nodes = index_->typed_->size();
            for (; begin != end; ++begin) {
                std::size_t const slot = get_slot(begin);
                if (slot >= nodes)  // a list being rewritten by an add on another thread
                    continue;
                byte_t const* row = index_->vectors_lookup_[slot];
                auto const key = get_key(begin);
                asm volatile("" : : "r"(key));
                for (std::size_t offset = 0; offset < bytes; offset += 64)
                    __builtin_prefetch(row + offset, 0, 3);
            }
        }
    };

    /// True when every node holds a live key: no removed row waits for reuse, and no add is
    /// between taking a node and registering its key (adds register after linking, and a
    /// reused node keeps the removed key until then). Removes do not run beside searches.
    bool all_nodes_live_() const {
        shared_lock_t lock(slot_lookup_mutex_);
        return typed_->size() == slot_lookup_.size();
    }

    index_dense_config_t config_;
    index_t* typed_ = nullptr;
`,
  },
  {
    name: 'candidate iterator bounded by the list length read once (fields)',
    file: 'index.hpp',
    find: `        visits_hash_set_t& visits_;
        std::size_t current_;

        candidates_iterator_t& skip_missing() noexcept {
            if (!visits_.size())
                return *this;
            while (current_ != neighbors_.size()) {`,
    replace: `        visits_hash_set_t& visits_;
        std::size_t current_;
        std::size_t size_;  // the list's length when the range was made (patched for word2vec-native)

        candidates_iterator_t& skip_missing() noexcept {
            if (!visits_.size())
                return *this;
            while (current_ < size_) {`,
  },
  {
    name: 'candidate iterator bounded by the list length read once (constructor)',
    file: 'index.hpp',
    find: `                              std::size_t progress) noexcept
            : index_(index), neighbors_(neighbors), visits_(visits), current_(progress) {}
        candidates_iterator_t operator++(int) noexcept {
            candidates_iterator_t old(index_, neighbors_, visits_, current_);`,
    replace: `                              std::size_t progress, std::size_t size) noexcept
            : index_(index), neighbors_(neighbors), visits_(visits), current_(progress), size_(size) {}
        candidates_iterator_t operator++(int) noexcept {
            candidates_iterator_t old(index_, neighbors_, visits_, current_, size_);`,
  },
  {
    name: 'candidate iterator bounded by the list length read once (range)',
    file: 'index.hpp',
    find: `        visits_hash_set_t& visits;

        candidates_iterator_t begin() const noexcept {
            return candidates_iterator_t{index, neighbors, visits, 0}.skip_missing();
        }
        candidates_iterator_t end() const noexcept { return {index, neighbors, visits, neighbors.size()}; }`,
    replace: `        visits_hash_set_t& visits;
        /// The list's length, read once and capped at the base level's connectivity (patched for
        /// word2vec-native): an add on another thread may rewrite the list meanwhile (a reverse
        /// link, or a refill that clears it first), and an iterator bounded by the live length
        /// could then step past the list's end, a read beyond the node.
        std::size_t count = (std::min)(neighbors.size(), index.config_.connectivity_base);

        candidates_iterator_t begin() const noexcept {
            return candidates_iterator_t{index, neighbors, visits, 0, count}.skip_missing();
        }
        candidates_iterator_t end() const noexcept { return {index, neighbors, visits, count, count}; }`,
  },
  {
    name: 'prefetch in inserts',
    file: 'index_dense.hpp',
    find: `                   ? typed_->update(typed_->iterator_at(free_slot), key, vector_data, metric, update_config, on_success)
                   : typed_->add(key, vector_data, metric, update_config, on_success);`,
    replace: `                   ? typed_->update(typed_->iterator_at(free_slot), key, vector_data, metric, update_config, on_success,
                                    vectors_prefetch_t{this})
                   : typed_->add(key, vector_data, metric, update_config, on_success, vectors_prefetch_t{this});`,
  },
  {
    name: 'unfiltered search without the removed-key check while all nodes are live',
    file: 'index_dense.hpp',
    find: `        if (std::is_same<typename std::decay<predicate_at>::type, dummy_predicate_t>::value) {
            auto allow = [free_key_copy](member_cref_t const& member) noexcept {
                return (vector_key_t)member.key != free_key_copy;
            };
            auto typed_result = typed_->search(vector_data, wanted, metric_proxy_t{*this}, search_config, allow);
            return search_result_t{std::move(typed_result), std::move(lock)};
        } else {
            auto allow = [free_key_copy, &predicate](member_cref_t const& member) noexcept {
                return (vector_key_t)member.key != free_key_copy && predicate(member.key);
            };
            auto typed_result = typed_->search(vector_data, wanted, metric_proxy_t{*this}, search_config, allow);`,
    replace: `        if (std::is_same<typename std::decay<predicate_at>::type, dummy_predicate_t>::value && all_nodes_live_()) {
            auto typed_result = typed_->search(vector_data, wanted, metric_proxy_t{*this}, search_config,
                                               dummy_predicate_t{}, vectors_prefetch_t{this});
            return search_result_t{std::move(typed_result), std::move(lock)};
        } else if (std::is_same<typename std::decay<predicate_at>::type, dummy_predicate_t>::value) {
            auto allow = [free_key_copy](member_cref_t const& member) noexcept {
                return (vector_key_t)member.key != free_key_copy;
            };
            auto typed_result =
                typed_->search(vector_data, wanted, metric_proxy_t{*this}, search_config, allow, vectors_prefetch_t{this});
            return search_result_t{std::move(typed_result), std::move(lock)};
        } else {
            auto allow = [free_key_copy, &predicate](member_cref_t const& member) noexcept {
                return (vector_key_t)member.key != free_key_copy && predicate(member.key);
            };
            auto typed_result =
                typed_->search(vector_data, wanted, metric_proxy_t{*this}, search_config, allow, vectors_prefetch_t{this});`,
  },
];

function usearchRoot() {
  // The package's main entry lies four levels under its root (javascript/dist/cjs/usearch.js).
  return resolve(require.resolve('usearch'), '..', '..', '..', '..');
}

function main() {
  const [out, fromFlag, from] = process.argv.slice(2);
  if (!out || (fromFlag !== undefined && (fromFlag !== '--from' || !from))) throw new Error('usage: node native/index/usearch-patch.mjs OUTDIR [--from DIR]');
  const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies.usearch;
  const installed = JSON.parse(readFileSync(join(usearchRoot(), 'package.json'), 'utf8')).version;
  if (installed !== pinned) throw new Error(`usearch ${installed} is installed, the patches are for ${pinned} (package.json): run npm ci`);
  const source = join(from ? resolve(from) : join(usearchRoot(), 'include'), 'usearch');
  const target = join(resolve(out), 'usearch');
  mkdirSync(target, { recursive: true });
  for (const file of readdirSync(source).filter((f) => f.endsWith('.hpp'))) {
    let text = readFileSync(join(source, file), 'utf8');
    for (const p of PATCHES.filter((patch) => patch.file === file)) {
      const found = text.split(p.find).length - 1;
      if (found !== 1) throw new Error(`USearch patch "${p.name}": its passage occurs ${found} times in ${file} of usearch ${installed}, expected once`);
      text = text.replace(p.find, () => p.replace);
    }
    const path = join(target, file);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeFileSync(path, text);
  }
  process.stdout.write(resolve(out));
}

try {
  main();
} catch (error) {
  process.stderr.write(`native/index/usearch-patch.mjs: ${error.message}\n`);
  process.exit(1);
}
