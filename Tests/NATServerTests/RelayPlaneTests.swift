import Dispatch
import Glibc
import NATWire
import NIOCore
import Synchronization
import Testing

@testable import NATServer

/// The relay threads' own event loop and batch I/O, on real sockets.
@Suite struct RelayEventLoopTests {
    @Test func tasksFromOtherThreadsRunOnTheLoopInOrder() async throws {
        let loop = try RelayEventLoop(name: "test-relay")
        let order = Mutex<[Int]>([])
        for index in 0..<100 { loop.execute { order.withLock { $0.append(index) } } }
        let onLoop = try await loop.submit { loop.inEventLoop }.get()
        #expect(onLoop && !loop.inEventLoop)
        #expect(order.withLock { $0 } == Array(0..<100))
        await loop.stopped()
    }

    @Test func timersFireByDeadlineAndCancelledOnesNever() async throws {
        let loop = try RelayEventLoop(name: "test-relay")
        let fired = Mutex<[String]>([])
        let late = loop.scheduleTask(in: .milliseconds(60)) { fired.withLock { $0.append("late") } }
        let cancelled = loop.scheduleTask(in: .milliseconds(30)) { fired.withLock { $0.append("cancelled") } }
        let early = loop.scheduleTask(in: .milliseconds(10)) { fired.withLock { $0.append("early") } }
        cancelled.cancel()
        try await early.futureResult.get()
        try await late.futureResult.get()
        await #expect(throws: EventLoopError.cancelled) { try await cancelled.futureResult.get() }
        #expect(fired.withLock { $0 } == ["early", "late"])
        let repeated = Atomic<Int>(0)
        let promise = loop.makePromise(of: Void.self)
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(1), delay: .milliseconds(1)) { task in
            if repeated.add(1, ordering: .relaxed).newValue == 5 {
                task.cancel()
                promise.succeed()
            }
        }
        try await promise.futureResult.get()
        #expect(repeated.load(ordering: .relaxed) == 5)
        await loop.stopped()
    }

    @Test func aRegisteredSocketIsReadOnTheLoop() async throws {
        let loop = try RelayEventLoop(name: "test-relay")
        let socket = try RelayUDPSocket.bind(TransportAddress("127.0.0.1:0")!)
        let sender = try RelayUDPSocket.bind(TransportAddress("127.0.0.1:0")!)
        let promise = loop.makePromise(of: [UInt8].self)
        try await loop.submit {
            let batch = DatagramReadBatch()
            loop.register(socket.fd) {
                guard batch.read(from: socket.fd) > 0, let bytes = batch.payload(0) else { return }
                promise.succeed(Array(bytes))
                loop.unregister(socket.fd)
            }
        }.get()
        sender.send(Array("ready".utf8), to: socket.local)
        #expect(try await promise.futureResult.get() == Array("ready".utf8))
        socket.close()
        sender.close()
        await loop.stopped()
    }
}

@Suite struct DatagramBatchTests {
    /// Reads, without waiting, until `expected` datagrams came or a second passed.
    static func readAll(_ batch: DatagramReadBatch, from socket: RelayUDPSocket, expected: Int) -> [(bytes: [UInt8]?, source: TransportAddress?)] {
        var got: [(bytes: [UInt8]?, source: TransportAddress?)] = []
        let deadline = NIODeadline.now() + .seconds(1)
        while got.count < expected, NIODeadline.now() < deadline {
            let count = batch.read(from: socket.fd)
            for index in 0..<count { got.append((batch.payload(index).map { Array($0) }, batch.source(index)?.transportAddress)) }
            if count == 0 {  // wait for the socket to become readable, not a fixed while
                var ready = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&ready, 1, 100)
            }
        }
        return got
    }

    @Test func moreThanOneBatchArrivesInOrderAndAnOversizedDatagramIsDropped() throws {
        let receiver = try RelayUDPSocket.bind(TransportAddress("127.0.0.1:0")!)
        let sender = try RelayUDPSocket.bind(TransportAddress("127.0.0.1:0")!)
        defer { receiver.close(); sender.close() }
        for index in 0..<20 { sender.send([UInt8(index)], to: receiver.local) }
        sender.send([UInt8](repeating: 7, count: DatagramReadBatch.slotPayload + 1), to: receiver.local)
        sender.send([99], to: receiver.local)
        let got = Self.readAll(DatagramReadBatch(), from: receiver, expected: 22)
        #expect(got.count == 22)
        #expect(got.prefix(20).map(\.bytes) == (0..<20).map { [UInt8($0)] })
        #expect(got[20].bytes == nil, "a truncated datagram has no payload")
        #expect(got[21].bytes == [99])
        #expect(got.allSatisfy { $0.source == sender.local })
    }

    @Test func aWriteBatchSendsEachDatagramFromItsSocketToItsDestination() throws {
        let first = try RelayUDPSocket.bind(TransportAddress("127.0.0.1:0")!)
        let second = try RelayUDPSocket.bind(TransportAddress("127.0.0.1:0")!)
        let receiver = try RelayUDPSocket.bind(TransportAddress("127.0.0.1:0")!)
        defer { first.close(); second.close(); receiver.close() }
        let payloads: [[UInt8]] = (0..<40).map { [UInt8($0), UInt8($0)] }
        let batch = DatagramWriteBatch()
        for (index, payload) in payloads.enumerated() {
            // The bytes must live until the flush: keep them in `payloads`.
            payload.withUnsafeBytes { batch.enqueue($0, to: RawSocketAddress(receiver.local), from: (index / 3) % 2 == 0 ? first.fd : second.fd) }
        }
        withExtendedLifetime(payloads) { batch.flush() }
        let got = Self.readAll(DatagramReadBatch(), from: receiver, expected: 40)
        #expect(got.map(\.bytes) == payloads.map { Optional($0) })
        #expect(got.enumerated().allSatisfy { index, datagram in datagram.source == ((index / 3) % 2 == 0 ? first.local : second.local) })
    }
}

@Suite struct RawSocketAddressTests {
    @Test(arguments: ["127.0.0.1:3478", "203.0.113.9:1", "[2001:db8::1]:65535", "[::1]:5349"])
    func roundTripsThroughTheKernelAndNIOForms(_ text: String) throws {
        let address = try #require(TransportAddress(text))
        let raw = RawSocketAddress(address)
        #expect(raw.transportAddress == address)
        #expect(RawSocketAddress(raw.socketAddress) == raw)
        #expect(TransportAddress(raw.socketAddress) == address)
        #expect(RawSocketAddress(try address.socketAddress) == raw)
    }

    @Test func portsAndFamiliesKeepAddressesApart() {
        let addresses = ["192.0.2.1:1", "192.0.2.1:2", "192.0.2.2:1", "[::ffff:192.0.2.1]:1", "[2001:db8::1]:1", "[2001:db8::1]:2"]
        let raws = Set(addresses.map { RawSocketAddress(TransportAddress($0)!) })
        #expect(raws.count == addresses.count)
    }
}

@Suite struct SendIndicationViewTests {
    static func indication(peer: String, data: [UInt8], extra: [any STUNAttributeValue] = []) throws -> [UInt8] {
        var message = STUNMessage(type: STUNMessageType(method: .send, messageClass: .indication))
        for attribute in extra { message.append(attribute) }
        message.append(XORPeerAddress(try #require(TransportAddress(peer))))
        message.append(DataValue(data))
        return message.encoded(fingerprint: true)
    }

    @Test(arguments: ["198.51.100.7:4000", "[2001:db8::7]:65535"])
    func readsThePeerAndDataInPlace(_ peer: String) throws {
        let bytes = try Self.indication(peer: peer, data: Array("payload!".utf8), extra: [Lifetime(seconds: 5)])
        let view = try #require(bytes.withUnsafeBytes { SendIndicationView($0) })
        #expect(view.peer.transportAddress == TransportAddress(peer))
        #expect(Array(bytes[view.dataOffset..<view.dataOffset + view.dataLength]) == Array("payload!".utf8))
    }

    @Test func refusesWhatIsNotAWholeSendIndication() throws {
        let good = try Self.indication(peer: "198.51.100.7:4000", data: [1, 2, 3])
        var request = good
        request[1] = 0x06  // Send request (0x0006): not an indication
        var noData = STUNMessage(type: STUNMessageType(method: .send, messageClass: .indication))
        noData.append(XORPeerAddress(TransportAddress("198.51.100.7:4000")!))
        var lyingLength = good
        lyingLength[3] &+= 4
        // XOR-PEER-ADDRESS with an empty value as the last attribute: nothing to read its family from.
        var emptyAddress: [UInt8] = [0x00, 0x16, 0x00, 0x04, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 9, count: 12)
        emptyAddress += [0x00, 0x12, 0x00, 0x00]
        for bytes in [request, noData.encoded(), Array(good.dropLast(3)), lyingLength, Array(good.prefix(19)), emptyAddress] {
            #expect(bytes.withUnsafeBytes { SendIndicationView($0) } == nil)
        }
        // Every truncation of an attribute's length is refused, never read past the end.
        for cut in stride(from: 20, to: good.count, by: 1) {
            var shortened = Array(good.prefix(cut))
            shortened[2] = UInt8((cut - 20) >> 8)
            shortened[3] = UInt8((cut - 20) & 0xFF)
            _ = shortened.withUnsafeBytes { SendIndicationView($0) }
        }
    }
}

@Suite struct DataIndicationHeaderTests {
    /// Written around data in a buffer laid out like a read slot, the indication decodes as one
    /// built by `STUNMessage`, padding included, for both families and every padding length.
    @Test(arguments: ["198.51.100.7:4000", "[2001:db8::7]:65535"], [0, 1, 2, 3, 4, 101])
    func decodesAsTheCodecWouldBuildIt(_ peer: String, _ size: Int) throws {
        let address = try #require(TransportAddress(peer))
        let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let slot = UnsafeMutableRawPointer.allocate(byteCount: 64 + size + 4, alignment: 16)
        defer { slot.deallocate() }
        slot.initializeMemory(as: UInt8.self, repeating: 0xEE, count: 64 + size + 4)
        data.withUnsafeBytes { (slot + 64).copyMemory(from: $0.baseAddress!, byteCount: size) }
        let length = DataIndicationHeader.write(before: slot + 64, dataLength: size, peer: RawSocketAddress(address), transaction: (42, 7))
        let bytes = Array(UnsafeRawBufferPointer(start: slot + 64 - length, count: length + (size + 3) & ~3))
        let message = try STUNMessage(decoding: bytes)
        #expect(message.type == STUNMessageType(method: .data, messageClass: .indication))
        #expect(try message.attribute(XORPeerAddress.self)?.address == address)
        #expect(try message.attribute(DataValue.self)?.bytes == data)
        #expect(length <= DataIndicationHeader.maximumLength)
    }
}

@Suite struct RelayLoopShutdownTests {
    /// After the loop's thread ended, tasks run where they are submitted: a future on the loop
    /// completes instead of hanging a caller that raced the server's stop.
    @Test func aStoppedLoopStillCompletesFutures() async throws {
        let loop = try RelayEventLoop(name: "test-relay")
        await loop.stopped()
        #expect(try await loop.submit { 41 + 1 }.get() == 42)
        await loop.stopped()  // twice is harmless
    }

    /// A cancel that overtakes its task's insertion still wins: the task is scheduled from this
    /// thread (its insertion queued behind a task that holds the loop), and cancelled on the loop
    /// by that task, before the insertion runs.
    @Test func aCancelThatOvertakesTheInsertionWins() async throws {
        let loop = try RelayEventLoop(name: "test-relay")
        let ran = Atomic<Bool>(false)
        let scheduled = Mutex<Scheduled<Void>?>(nil)
        let handedOver = DispatchSemaphore(value: 0)
        loop.execute {
            handedOver.wait()
            scheduled.withLock { $0 }?.cancel()
        }
        let task = loop.scheduleTask(in: .milliseconds(1)) { ran.store(true, ordering: .relaxed) }
        scheduled.withLock { $0 = task }
        handedOver.signal()
        await #expect(throws: EventLoopError.cancelled) { try await task.futureResult.get() }
        try await loop.scheduleTask(in: .milliseconds(5)) {}.futureResult.get()
        let fired = ran.load(ordering: .relaxed)
        #expect(!fired)
        await loop.stopped()
    }

    @Test func aClosedSocketDropsLateAnswers() throws {
        let socket = try RelayUDPSocket.bind(TransportAddress("127.0.0.1:0")!)
        let receiver = try RelayUDPSocket.bind(TransportAddress("127.0.0.1:0")!)
        defer { receiver.close() }
        socket.close()
        socket.close()
        socket.send([1, 2, 3], to: receiver.local)  // no crash, nothing sent
        #expect(DatagramReadBatch().read(from: receiver.fd) == 0)
    }

    /// A group of relay threads takes a port nobody holds: not one another server's group holds.
    @Test func aRelayThreadGroupDoesNotJoinAnotherServersPort() throws {
        let other = try RelayUDPSocket.bind(TransportAddress("127.0.0.1:0")!, reusePort: true)
        defer { other.close() }
        #expect(throws: RelayUDPSocket.Failure.self) { try RelayUDPSocket.freePort(other.local) }
        let free = try RelayUDPSocket.freePort(TransportAddress("127.0.0.1:0")!)
        #expect(free.port != 0 && free.port != other.local.port)
    }
}
