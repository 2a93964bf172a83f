/// Frames waiting for their departure time: a binary min-heap on (due, arrival order), so equal
/// due times leave in arrival order and jitter is the only source of reordering.
struct DelayQueue {
    struct Entry {
        var due: UInt64  // nanoseconds on the monotonic clock
        var order: UInt64
        var toSide: Int
        var frame: [UInt8]
    }

    private var heap: [Entry] = []
    private var arrivals: UInt64 = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { heap.count }
    var nextDue: UInt64? { heap.first?.due }

    /// Adds a frame; false (and the frame is dropped, like a full router queue) when at capacity.
    mutating func push(_ frame: [UInt8], due: UInt64, toSide side: Int) -> Bool {
        guard heap.count < capacity else { return false }
        arrivals += 1
        heap.append(Entry(due: due, order: arrivals, toSide: side, frame: frame))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
        return true
    }

    /// Removes and returns the earliest frame if it is due at `now`.
    mutating func popDue(now: UInt64) -> Entry? {
        guard let first = heap.first, first.due <= now else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < heap.count, precedes(heap[left], heap[smallest]) { smallest = left }
                if right < heap.count, precedes(heap[right], heap[smallest]) { smallest = right }
                guard smallest != parent else { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }

    private func precedes(_ a: Entry, _ b: Entry) -> Bool { (a.due, a.order) < (b.due, b.order) }
}
