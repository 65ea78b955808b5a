using System.Security.Cryptography;
using System.Text;
using MasterSocket.Tests.Broker.Support;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MasterSocket.Tests.Broker;

/// <summary>Shared checks for a refused IDENTIFY: DISCONNECT AUTH_FAILED, close 4001, no reconnect.</summary>
internal static class AuthAssert
{
    public static async Task RefusedAsync(BrokerServer server, object data, string? mustNotLeak = null)
    {
        await using var client = await TestClient.ConnectAsync(server.WebSocketUri);
        await client.SendAsync(new { id = "auth", op = 1, data });
        var disconnect = await client.ReceiveAsync();
        Assert.That(disconnect.GetProperty("op").GetInt32(), Is.EqualTo(2), disconnect.ToString());
        Assert.That(disconnect.GetProperty("data").GetProperty("code").GetString(), Is.EqualTo("AUTH_FAILED"));
        Assert.That(disconnect.GetProperty("data").GetProperty("reconnect").GetBoolean(), Is.False);
        if (mustNotLeak is not null)
        {
            Assert.That(disconnect.ToString(), Does.Not.Contain(mustNotLeak), "the credential is never echoed");
        }

        Assert.That((int?)await client.WaitForCloseAsync(), Is.EqualTo(4001));
    }
}

/// <summary>PROTOCOL.md 6, Keys mode.</summary>
public sealed class KeysAuthTests
{
    private BrokerServer _server = null!;

    [OneTimeSetUp]
    public async Task Start() => _server = await BrokerServer.StartAsync(new Dictionary<string, string?>
    {
        ["Broker:Auth:Mode"] = "Keys",
        ["Broker:Auth:Keys:0:Key"] = "service-key-0001",
        ["Broker:Auth:Keys:0:Name"] = "matchmaker",
        ["Broker:Auth:Keys:0:Role"] = "service",
        ["Broker:Auth:Keys:0:Groups:0"] = "*",
        ["Broker:Auth:Keys:1:Key"] = "player-key-0001",
        ["Broker:Auth:Keys:1:Name"] = "damon",
        ["Broker:Auth:Keys:1:Role"] = "client",
        ["Broker:Auth:Keys:1:Groups:0"] = "damon",
        ["Broker:Auth:Keys:1:Groups:1"] = "match-*",
        ["Broker:Auth:Keys:2:Key"] = "nameless-key-0001",
    }, environment: "Production");

    [Test]
    public async Task Key_without_a_name_keeps_the_name_the_client_gave()
    {
        await using var client = await TestClient.ConnectAsync(_server.WebSocketUri);
        var reply = await client.IdentifyAsync(new { token = "nameless-key-0001", name = "bot-3" });
        Assert.That(reply.GetProperty("name").GetString(), Is.EqualTo("bot-3"));
    }

    [OneTimeTearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public async Task Valid_key_identifies_with_the_keys_name_and_role()
    {
        await using var client = await TestClient.ConnectAsync(_server.WebSocketUri);
        var reply = await client.IdentifyAsync(new { token = "player-key-0001", name = "ignored", role = "service", groups = new[] { "damon", "match-42" } });
        Assert.That(reply.GetProperty("name").GetString(), Is.EqualTo("damon"));
        Assert.That(reply.GetProperty("role").GetString(), Is.EqualTo("client"), "a role in IDENTIFY data is ignored in Keys mode");

        await client.SendAsync("""{"id":"g","op":0,"event":"X","intent":{"target":"GLOBAL"}}""");
        Assert.That((await client.ReceiveAsync()).GetProperty("data").GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("FORBIDDEN"));
    }

    [Test]
    public async Task Service_key_may_join_any_group_and_send_GLOBAL()
    {
        await using var service = await TestClient.ConnectAsync(_server.WebSocketUri);
        await service.IdentifyAsync(new { token = "service-key-0001", groups = new[] { "anything" } });
        await using var player = await TestClient.ConnectAsync(_server.WebSocketUri);
        await player.IdentifyAsync(new { token = "player-key-0001" });
        await service.SendAsync("""{"id":"g","op":0,"event":"X","intent":{"target":"GLOBAL"}}""");
        Assert.That((await player.ReceiveAsync()).GetProperty("id").GetString(), Is.EqualTo("g"));
    }

    [Test]
    public Task Unknown_key_is_refused() => AuthAssert.RefusedAsync(_server, new { token = "not-a-real-key" }, mustNotLeak: "not-a-real-key");

    [Test]
    public Task Missing_token_is_refused() => AuthAssert.RefusedAsync(_server, new { name = "nobody" });

    [Test]
    public Task Group_outside_the_keys_patterns_is_refused() =>
        AuthAssert.RefusedAsync(_server, new { token = "player-key-0001", groups = new[] { "damon", "admins" } });

    [Test]
    public async Task Refusal_does_not_disturb_identified_clients()
    {
        await using var service = await TestClient.ConnectAsync(_server.WebSocketUri);
        await service.IdentifyAsync(new { token = "service-key-0001" });
        await using var player = await TestClient.ConnectAsync(_server.WebSocketUri);
        await player.IdentifyAsync(new { token = "player-key-0001", groups = new[] { "damon" } });
        await AuthAssert.RefusedAsync(_server, new { token = "wrong" });
        await service.SendAsync("""{"id":"ok","op":0,"event":"X","intent":{"target":"GROUP","identifier":"damon"}}""");
        Assert.That((await player.ReceiveAsync()).GetProperty("id").GetString(), Is.EqualTo("ok"));
    }
}

/// <summary>PROTOCOL.md 6, Jwt mode with HS256.</summary>
public sealed class JwtHs256AuthTests
{
    private const string Secret = "a-test-secret-that-is-at-least-32-bytes-long";
    private BrokerServer _server = null!;

    [OneTimeSetUp]
    public async Task Start() => _server = await BrokerServer.StartAsync(new Dictionary<string, string?>
    {
        ["Broker:Auth:Mode"] = "Jwt",
        ["Broker:Auth:Jwt:Secret"] = Secret,
        ["Broker:Auth:Jwt:Issuer"] = "https://auth.game.example",
        ["Broker:Auth:Jwt:Audience"] = "mastersocket",
        ["Broker:Auth:Jwt:ClockSkew"] = "00:00:00",
    }, environment: "Production");

    [OneTimeTearDown]
    public async Task Stop() => await _server.DisposeAsync();

    internal static string Token(SigningCredentials credentials, string? role = "client", object? groups = null, DateTime? expires = null,
        string issuer = "https://auth.game.example", string audience = "mastersocket", bool withExpiry = true)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "player-7" };
        if (role is not null)
        {
            claims["role"] = role;
        }

        if (groups is not null)
        {
            claims["groups"] = groups;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            Issuer = issuer,
            Audience = audience,
            SigningCredentials = credentials,
            IssuedAt = DateTime.UtcNow.AddMinutes(-10),
            NotBefore = DateTime.UtcNow.AddMinutes(-10),
            Expires = withExpiry ? expires ?? DateTime.UtcNow.AddMinutes(5) : null,
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = withExpiry }.CreateToken(descriptor);
    }

    private static SigningCredentials Hs256(string secret = Secret) =>
        new(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256);

    [Test]
    public async Task Valid_token_identifies_with_sub_as_name_and_its_role_and_groups()
    {
        await using var client = await TestClient.ConnectAsync(_server.WebSocketUri);
        var reply = await client.IdentifyAsync(new { token = Token(Hs256(), "service", new[] { "match-*" }), name = "ignored", groups = new[] { "match-9" } });
        Assert.That(reply.GetProperty("name").GetString(), Is.EqualTo("player-7"), "the token's sub wins over name");
        Assert.That(reply.GetProperty("role").GetString(), Is.EqualTo("service"));
        Assert.That(reply.GetProperty("groups")[0].GetString(), Is.EqualTo("match-9"));
    }

    [Test]
    public Task Expired_token_is_refused() => AuthAssert.RefusedAsync(_server, new { token = Token(Hs256(), expires: DateTime.UtcNow.AddMinutes(-1)) });

    [Test]
    public Task Token_without_exp_is_refused() => AuthAssert.RefusedAsync(_server, new { token = Token(Hs256(), withExpiry: false) });

    [Test]
    public Task Wrong_issuer_is_refused() => AuthAssert.RefusedAsync(_server, new { token = Token(Hs256(), issuer: "https://evil.example") });

    [Test]
    public Task Wrong_audience_is_refused() => AuthAssert.RefusedAsync(_server, new { token = Token(Hs256(), audience: "someone-else") });

    [Test]
    public Task Token_signed_with_another_secret_is_refused() =>
        AuthAssert.RefusedAsync(_server, new { token = Token(Hs256("another-secret-that-is-also-32-bytes-long!")) });

    [Test]
    public Task Unsigned_alg_none_token_is_refused()
    {
        static string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var exp = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds();
        var token = $"{B64("""{"alg":"none","typ":"JWT"}""")}.{B64($$"""{"sub":"x","role":"service","exp":{{exp}},"iss":"https://auth.game.example","aud":"mastersocket"}""")}.";
        return AuthAssert.RefusedAsync(_server, new { token });
    }

    [Test]
    public Task Garbage_token_is_refused() => AuthAssert.RefusedAsync(_server, new { token = "not.a.jwt" });

    [Test]
    public Task Group_outside_the_groups_claim_is_refused() =>
        AuthAssert.RefusedAsync(_server, new { token = Token(Hs256(), groups: new[] { "match-*" }), groups = new[] { "admins" } });
}

/// <summary>PROTOCOL.md 6, Jwt mode with RS256, and algorithm confusion.</summary>
public sealed class JwtRs256AuthTests
{
    private readonly RSA _rsa = RSA.Create(2048);
    private BrokerServer _server = null!;

    [OneTimeSetUp]
    public async Task Start() => _server = await BrokerServer.StartAsync(new Dictionary<string, string?>
    {
        ["Broker:Auth:Mode"] = "Jwt",
        ["Broker:Auth:Jwt:PublicKeyPem"] = _rsa.ExportSubjectPublicKeyInfoPem(),
    }, environment: "Production");

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _server.DisposeAsync();
        _rsa.Dispose();
    }

    [Test]
    public async Task Valid_RS256_token_identifies()
    {
        await using var client = await TestClient.ConnectAsync(_server.WebSocketUri);
        var credentials = new SigningCredentials(new RsaSecurityKey(_rsa), SecurityAlgorithms.RsaSha256);
        var reply = await client.IdentifyAsync(new { token = JwtHs256AuthTests.Token(credentials, role: null, groups: "lobby"), groups = new[] { "lobby" } });
        Assert.That(reply.GetProperty("role").GetString(), Is.EqualTo("client"), "no role claim means client");
    }

    [Test]
    public Task HS256_token_keyed_with_the_public_key_is_refused()
    {
        // Algorithm confusion: an attacker signs with HMAC using the (public) PEM text as the secret.
        var pem = Encoding.UTF8.GetBytes(_rsa.ExportSubjectPublicKeyInfoPem());
        var credentials = new SigningCredentials(new SymmetricSecurityKey(pem), SecurityAlgorithms.HmacSha256);
        return AuthAssert.RefusedAsync(_server, new { token = JwtHs256AuthTests.Token(credentials, role: "service") });
    }

    [Test]
    public Task Token_signed_by_another_RSA_key_is_refused()
    {
        using var other = RSA.Create(2048);
        var credentials = new SigningCredentials(new RsaSecurityKey(other), SecurityAlgorithms.RsaSha256);
        return AuthAssert.RefusedAsync(_server, new { token = JwtHs256AuthTests.Token(credentials) });
    }
}
