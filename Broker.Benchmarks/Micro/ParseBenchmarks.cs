using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using MasterSocket.Protocol.Envelopes;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Benchmarks.Micro;

/// <summary>
/// The receive path for one 200-byte masked text frame holding a GROUP EVENT: the frame reader
/// (header, checks, unmask, UTF-8), the envelope reader, and both in a row.
/// <para>
/// <see cref="MessageReader"/> unmasks the payload in place, so after each parse the benchmark
/// masks it again with <see cref="Masking.Apply"/>: XOR with the same key is its own inverse and
/// restores the original bytes. That restore costs about one unmask of 192 bytes and is part of
/// every benchmark here that parses the frame; <see cref="RestoreMask"/> measures it alone, so it
/// can be subtracted.
/// </para>
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ParseBenchmarks
{
    private byte[] _frame = [];      // masked on entry to every invocation, restored before it returns
    private byte[] _pristine = [];   // the frame as it was built, to check the restore in GlobalCleanup
    private byte[] _payload = [];    // the envelope JSON, unmasked, for the envelope-only benchmark
    private byte[] _scratch = [];    // RestoreMask's own bytes, so it never disturbs _frame
    private MessageReader _reader = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pristine = SampleMessage.MaskedFrame();
        _frame = (byte[])_pristine.Clone();
        _payload = SampleMessage.Payload();
        _scratch = (byte[])_payload.Clone();
        _reader = new MessageReader(maxMessageBytes: 64 * 1024);
        SampleMessage.Check(Frame() == SampleMessage.PayloadBytes, "frame reader returned the wrong payload length");
        SampleMessage.Check(FrameThenEnvelope() == Envelope(), "receive path and envelope reader disagree");
        SampleMessage.Check(TextFrameThenEnvelope() == Envelope(), "the host's receive path and envelope reader disagree");
        SampleMessage.Check(_frame.AsSpan().SequenceEqual(_pristine), "restoring the mask did not restore the frame");
    }

    [GlobalCleanup]
    public void Cleanup() =>
        SampleMessage.Check(_frame.AsSpan().SequenceEqual(_pristine), "the frame was not restored after every parse");

    /// <summary>The cost of restoring the mask alone: one XOR pass over 192 bytes.</summary>
    [Benchmark]
    public int RestoreMask()
    {
        Masking.Apply(_scratch, SampleMessage.MaskKey);
        return _scratch[0];
    }

    /// <summary><see cref="MessageReader.TryRead"/> on the frame: header, validation, unmask, UTF-8 check.</summary>
    [Benchmark]
    public long Frame()
    {
        var buffer = new ReadOnlySequence<byte>(_frame);
        var status = _reader.TryRead(ref buffer, out var message, out _);
        Restore();
        SampleMessage.Check(status == ReadStatus.Message, "frame not read");
        return message.Payload.Length;
    }

    /// <summary><see cref="EnvelopeReader.TryRead"/> on the already unmasked payload.</summary>
    [Benchmark]
    public int Envelope()
    {
        SampleMessage.Check(EnvelopeReader.TryRead(_payload, out var envelope, out _), "envelope refused");
        return envelope.Data.Length;
    }

    /// <summary>
    /// <see cref="EnvelopeReader.TryRead(ReadOnlySpan{byte}, out Envelope, out EnvelopeError)"/>
    /// without its fast scan: the full Utf8JsonReader pass, as every envelope was read before it.
    /// </summary>
    [Benchmark]
    public int EnvelopeFullReader()
    {
        SampleMessage.Check(EnvelopeReader.TryRead(_payload, out var envelope, out _, fastScan: false), "envelope refused");
        return envelope.Data.Length;
    }

    /// <summary>The fast scan alone (grammar check and fields, no envelope rules).</summary>
    [Benchmark]
    public bool FastScanOnly() => EnvelopeReader.IsFastScanned(_payload);

    /// <summary>
    /// The floor for any reader built on <see cref="Utf8JsonReader"/>: every token of the payload read
    /// and nothing done with it. <see cref="Envelope"/> minus this is what the envelope rules cost.
    /// </summary>
    [Benchmark]
    public int JsonTokensOnly()
    {
        var reader = new Utf8JsonReader(_payload);
        var tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }

        return tokens;
    }

    /// <summary>
    /// <see cref="MessageReader.TryReadText"/> on the frame: how the host reads a whole text frame
    /// from a span (header, checks, unmask, ASCII test), where <see cref="Frame"/> is the general path.
    /// </summary>
    [Benchmark]
    public int TextFrame()
    {
        var read = _reader.TryReadText(_frame, out _, out var payload);
        var length = payload.Length;
        Restore();
        SampleMessage.Check(read, "frame not read");
        return length;
    }

    /// <summary>The host's receive path for a whole text frame: the frame from a span, then the envelope of a text message.</summary>
    [Benchmark]
    public int TextFrameThenEnvelope()
    {
        var frame = _reader.TryReadText(_frame, out _, out var payload);
        var read = EnvelopeReader.TryReadText(payload, out var envelope, out _);
        Restore();
        SampleMessage.Check(frame && read, "frame or envelope not read");
        return envelope.Data.Length;
    }

    /// <summary>The general receive path: frame through <see cref="MessageReader.TryRead"/>, then envelope from the frame's payload.</summary>
    [Benchmark]
    public int FrameThenEnvelope()
    {
        var buffer = new ReadOnlySequence<byte>(_frame);
        var status = _reader.TryRead(ref buffer, out var message, out _);
        var read = EnvelopeReader.TryRead(message.Payload.FirstSpan, out var envelope, out _);
        Restore();
        SampleMessage.Check(status == ReadStatus.Message && read, "frame or envelope not read");
        return envelope.Data.Length;
    }

    private void Restore() => Masking.Apply(_frame.AsSpan(SampleMessage.HeaderBytes), SampleMessage.MaskKey);
}
