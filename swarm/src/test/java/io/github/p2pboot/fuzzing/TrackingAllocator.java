package io.github.p2pboot.fuzzing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * An allocator that remembers every buffer it hands out, so a fuzz property can check that the
 * code under test released each one and never asked for a huge buffer. Give it to the channel
 * ({@code channel.config().setAllocator(...)}) and allocate the inputs from it too. Single-threaded,
 * like an event loop.
 */
public final class TrackingAllocator implements ByteBufAllocator {

    private final ByteBufAllocator delegate = new UnpooledByteBufAllocator(false, true);
    private final List<ByteBuf> handedOut = new ArrayList<>();
    private int largestRequest;

    /** A buffer holding {@code bytes}, tracked like any other. */
    public ByteBuf copyOf(byte[] bytes) {
        return buffer(bytes.length).writeBytes(bytes);
    }

    /** Buffers handed out and not released yet. */
    public List<ByteBuf> unreleased() {
        return handedOut.stream().filter(b -> b.refCnt() > 0).toList();
    }

    /** The largest capacity any caller asked for. */
    public int largestRequest() {
        return largestRequest;
    }

    /** Releases whatever is left, so one failed check does not leak into the next try. */
    public void releaseAll() {
        for (ByteBuf b : handedOut) {
            if (b.refCnt() > 0) {
                b.release(b.refCnt());
            }
        }
        handedOut.clear();
    }

    private <T extends ByteBuf> T track(T buf, int requested) {
        largestRequest = Math.max(largestRequest, requested);
        handedOut.add(buf);
        return buf;
    }

    @Override
    public ByteBuf buffer() {
        return track(delegate.heapBuffer(), 256);
    }

    @Override
    public ByteBuf buffer(int initialCapacity) {
        return track(delegate.heapBuffer(initialCapacity), initialCapacity);
    }

    @Override
    public ByteBuf buffer(int initialCapacity, int maxCapacity) {
        return track(delegate.heapBuffer(initialCapacity, maxCapacity), initialCapacity);
    }

    @Override
    public ByteBuf ioBuffer() {
        return buffer();
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity) {
        return buffer(initialCapacity);
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity, int maxCapacity) {
        return buffer(initialCapacity, maxCapacity);
    }

    @Override
    public ByteBuf heapBuffer() {
        return buffer();
    }

    @Override
    public ByteBuf heapBuffer(int initialCapacity) {
        return buffer(initialCapacity);
    }

    @Override
    public ByteBuf heapBuffer(int initialCapacity, int maxCapacity) {
        return buffer(initialCapacity, maxCapacity);
    }

    @Override
    public ByteBuf directBuffer() {
        return buffer();
    }

    @Override
    public ByteBuf directBuffer(int initialCapacity) {
        return buffer(initialCapacity);
    }

    @Override
    public ByteBuf directBuffer(int initialCapacity, int maxCapacity) {
        return buffer(initialCapacity, maxCapacity);
    }

    @Override
    public CompositeByteBuf compositeBuffer() {
        return track(delegate.compositeHeapBuffer(), 0);
    }

    @Override
    public CompositeByteBuf compositeBuffer(int maxNumComponents) {
        return track(delegate.compositeHeapBuffer(maxNumComponents), 0);
    }

    @Override
    public CompositeByteBuf compositeHeapBuffer() {
        return compositeBuffer();
    }

    @Override
    public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
        return compositeBuffer(maxNumComponents);
    }

    @Override
    public CompositeByteBuf compositeDirectBuffer() {
        return compositeBuffer();
    }

    @Override
    public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
        return compositeBuffer(maxNumComponents);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    @Override
    public int calculateNewCapacity(int minNewCapacity, int maxCapacity) {
        return delegate.calculateNewCapacity(minNewCapacity, maxCapacity);
    }
}
