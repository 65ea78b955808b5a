using MasterSocket.Broker.Transport;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// <see cref="OutboundFrame"/>'s buffers: small ones are pinned (the native send points into them
/// without pinning), and a frame that carries one large message gets its pinned buffer back.
/// </summary>
public sealed class OutboundFrameTests
{
    [Test]
    public void A_small_frame_is_written_into_a_pinned_buffer()
    {
        var frame = OutboundFrame.Rent();
        Write(frame, 200);
        Assert.That(frame.IsPinned, Is.True);
        Assert.That(frame.Buffer.Length, Is.InRange(200, 1024));
        Assert.That(frame.Span.ToArray(), Is.EqualTo(Pattern(200)));
        frame.Release();
    }

    [Test]
    public void A_large_message_borrows_an_array_and_the_frame_gets_its_pinned_buffer_back()
    {
        var frame = OutboundFrame.Rent();
        Write(frame, 200);
        var pinned = frame.Buffer;

        Write(frame, 5000); // grows past what a pooled frame keeps: an ordinary array
        Assert.That(frame.IsPinned, Is.False);
        Assert.That(frame.Length, Is.EqualTo(5200));
        Assert.That(frame.Span[..200].ToArray(), Is.EqualTo(Pattern(200)), "the bytes written before the growth were kept");
        Assert.That(frame.Span[200..].ToArray(), Is.EqualTo(Pattern(5000)));

        frame.AddReference();
        frame.Release();
        Assert.That(frame.IsPinned, Is.False, "still referenced: nothing changes yet");
        frame.Release(); // the last reference: back to the pool

        Assert.That(frame.Buffer, Is.SameAs(pinned), "the pinned buffer was set aside, not dropped");
        Assert.That(frame.IsPinned, Is.True);
        Assert.That(frame.Length, Is.Zero);
    }

    private static void Write(OutboundFrame frame, int length)
    {
        Pattern(length).CopyTo(frame.GetSpan(length));
        frame.Advance(length);
    }

    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
}
