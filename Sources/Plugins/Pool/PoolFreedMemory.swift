#if canImport(Glibc)
    import Glibc
#endif

/// Hands the heap pages that parsing, packing or encoding a whole catalog freed back to the
/// operating system. glibc keeps freed memory in the middle of its heap mapped: after a pool of
/// 100,000 VMs is loaded, ~8 MB of parse and encode buffers would stay resident for as long as
/// the server idles.
enum PoolFreedMemory {
    #if canImport(Glibc)
        /// glibc's `malloc_trim`, which Swift's Glibc module does not export (it is in malloc.h).
        private static let trim: (@convention(c) (Int) -> Int32)? = {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        }()
    #endif

    /// Returns the freed pages (`malloc_trim(0)`); a few milliseconds, once per whole catalog.
    static func giveBack() {
        #if canImport(Glibc)
            _ = trim?(0)
        #endif
    }
}
