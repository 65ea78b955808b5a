using System.Net;

namespace MasterSocket.Benchmarks.Load.Clients;

/// <summary>Where clients connect: the TCP endpoint, and the Host header and path of the upgrade request.</summary>
public sealed record WsEndpoint(IPEndPoint EndPoint, string Host, string Path)
{
    public static WsEndpoint FromUri(Uri url)
    {
        var addresses = Dns.GetHostAddresses(url.Host);
        var address = addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? throw new ArgumentException($"{url.Host} has no IPv4 address");
        var port = url.IsDefaultPort ? 80 : url.Port;
        return new WsEndpoint(new IPEndPoint(address, port), url.Authority, string.IsNullOrEmpty(url.PathAndQuery) ? "/" : url.PathAndQuery);
    }

    public override string ToString() => $"ws://{Host}{Path}";
}
