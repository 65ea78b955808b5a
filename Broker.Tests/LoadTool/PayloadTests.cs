using System.Text;
using MasterSocket.Benchmarks.Load;

namespace MasterSocket.Tests.LoadTool;

/// <summary>The payload header every scenario writes and every receiver reads back.</summary>
public class PayloadTests
{
    [TestCase(0, 0L, 0L)]
    [TestCase(99, 123_456_789L, 987_654_321_012L)]
    [TestCase(int.MaxValue, long.MaxValue, long.MaxValue)]
    public void What_is_written_reads_back(int sender, long sequence, long timestamp)
    {
        var buffer = Payload.CreateBuffer(200);

        Payload.Write(buffer, sender, sequence, timestamp);

        Assert.That(Payload.TryRead(buffer, out var s, out var q, out var t), Is.True);
        Assert.That((s, q, t), Is.EqualTo((sender, sequence, timestamp)));
    }

    [Test]
    public void The_payload_is_plain_ascii_so_it_is_a_json_string_body_as_it_is()
    {
        var buffer = Payload.CreateBuffer(Payload.MinimumLength);
        Payload.Write(buffer, 12, 34, 56);

        Assert.That(buffer, Has.All.InRange((byte)0x20, (byte)0x7E));
        Assert.That(buffer, Has.None.EqualTo((byte)'"').And.None.EqualTo((byte)'\\'));
    }

    [TestCase("")]
    [TestCase("s00000001q")]
    [TestCase("x00000001q0000000000000002t0000000000000003")]
    [TestCase("s0000000Gq0000000000000002t0000000000000003")]
    [TestCase("s00000001q0000000000000002u0000000000000003")]
    public void A_payload_that_is_not_the_tools_is_rejected(string text)
    {
        Assert.That(Payload.TryRead(Encoding.ASCII.GetBytes(text), out _, out _, out _), Is.False);
    }
}
