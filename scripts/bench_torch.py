#!/usr/bin/env python3
"""PyTorch versions of the six `npm run bench` models, for comparison (not used in CI).

Same architectures, sizes, batches, losses and optimiser (Adam, lr 1e-3) as lib/bench/models.ts;
PyTorch's own layouts (NCHW) and initialisations, which do not change the cost of a step. Prints a
JSON array of rows {model, backend: "pytorch-cpu", msPerStep, steps, ...} on stdout; progress on
stderr. scripts/bench.ts runs it with --torch. --device cuda times the same steps on the GPU (rows
"pytorch-cuda", synchronised around each step); scripts/gpu-check.sh runs that beside the webgpu
check, with the two paper-size models of lib/bench/models' PAPER_BENCH_MODELS (--models tasnet-librimix,cdvae-paper).

    python3 scripts/bench_torch.py [--models a,b] [--min-seconds 2] [--max-steps 1000] [--warmup 30] [--threads n] [--device cpu|cuda]
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MODELS = ["mlp-vae", "conv-vae", "tasnet", "vi-tasnet", "pvae", "cdvae"]
# paper sizes, for a GPU: only when named in --models
PAPER_MODELS = ["tasnet-librimix", "cdvae-paper"]


def gaussian_kl(mu, logvar):
    """KL(N(mu, e^logvar) || N(0, 1)) summed over latents, per example."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)


def neg_elbo_bernoulli(logits, x, mu, logvar):
    dist = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
    return (dist + gaussian_kl(mu, logvar)).mean()


# ---- mlp-vae: 784-512-2x32 / 32-512-784, no biases, ReLU, Bernoulli logits; batch 128 --------------

class MlpVae(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(784, 512, bias=False), nn.ReLU(), nn.Linear(512, 64, bias=False))
        self.dec = nn.Sequential(nn.Linear(32, 512, bias=False), nn.ReLU(), nn.Linear(512, 784, bias=False))

    def loss(self, x):
        h = self.enc(x)
        mu, logvar = h[:, :32], h[:, 32:]
        z = mu + (0.5 * logvar).exp() * torch.randn_like(mu)
        return neg_elbo_bernoulli(self.dec(z), x, mu, logvar)


# ---- conv-vae: Burgess et al. 2018 for 32x32x1, K=10; batch 64 ---------------------------------------

class ConvVae(nn.Module):
    def __init__(self, k=10, c=1, cc=32, hidden=256):
        super().__init__()
        self.k = k
        self.enc = nn.Sequential(
            nn.Conv2d(c, cc, 4, 2, 1), nn.ReLU(), nn.Conv2d(cc, cc, 4, 2, 1), nn.ReLU(), nn.Conv2d(cc, cc, 4, 2, 1), nn.ReLU(),
            nn.Flatten(), nn.Linear(cc * 16, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 2 * k))
        self.dec_fc = nn.Sequential(nn.Linear(k, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, cc * 16), nn.ReLU())
        self.dec_conv = nn.Sequential(
            nn.ConvTranspose2d(cc, cc, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(cc, cc, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(cc, c, 4, 2, 1))
        self.cc = cc

    def loss(self, x):
        h = self.enc(x)
        mu, logvar = h[:, :self.k], h[:, self.k:]
        z = mu + (0.5 * logvar).exp() * torch.randn_like(mu)
        logits = self.dec_conv(self.dec_fc(z).view(-1, self.cc, 4, 4))
        return neg_elbo_bernoulli(logits, x, mu, logvar)


# ---- tasnet: Conv-TasNet "synthetic" (N=32, L=16, B=16, H=16, Sc=8, X=8, R=1, S=2); batch 4 x 8000 -------

class GLN(nn.Module):
    def __init__(self, ch, eps=1e-8):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(1, ch, 1))
        self.beta = nn.Parameter(torch.zeros(1, ch, 1))
        self.eps = eps

    def forward(self, x):  # [B, C, T]
        mean = x.mean(dim=(1, 2), keepdim=True)
        var = (x - mean).pow(2).mean(dim=(1, 2), keepdim=True)
        return self.gamma * (x - mean) / (var + self.eps).sqrt() + self.beta


class TcnBlock(nn.Module):
    def __init__(self, b, h, sc, p, d):
        super().__init__()
        self.inp = nn.Conv1d(b, h, 1)
        self.prelu1, self.norm1 = nn.PReLU(), GLN(h)
        self.dw = nn.Conv1d(h, h, p, padding=(p - 1) // 2 * d, dilation=d, groups=h)
        self.prelu2, self.norm2 = nn.PReLU(), GLN(h)
        self.res = nn.Conv1d(h, b, 1)
        self.skip = nn.Conv1d(h, sc, 1)

    def forward(self, x):
        h = self.norm1(self.prelu1(self.inp(x)))
        h = self.norm2(self.prelu2(self.dw(h)))
        return x + self.res(h), self.skip(h)


class ConvTasNet(nn.Module):
    def __init__(self, N=32, L=16, stride=8, B=16, H=16, Sc=8, P=3, X=8, R=1, S=2):
        super().__init__()
        self.N, self.S = N, S
        self.enc = nn.Conv1d(1, N, L, stride=stride, bias=False)
        self.norm = GLN(N)
        self.bottleneck = nn.Conv1d(N, B, 1)
        self.blocks = nn.ModuleList([TcnBlock(B, H, Sc, P, 2 ** x) for _ in range(R) for x in range(X)])
        self.prelu = nn.PReLU()
        self.mask = nn.Conv1d(Sc, S * N, 1)
        self.dec = nn.ConvTranspose1d(N, 1, L, stride=stride, bias=False)

    def separate(self, mix):  # [B, T] → [B, S, T]
        bsz, T = mix.shape
        w = F.relu(self.enc(mix.unsqueeze(1)))  # [B, N, F]
        h = self.bottleneck(self.norm(w))
        skips = 0
        for blk in self.blocks:
            h, s = blk(h)
            skips = skips + s
        m = torch.sigmoid(self.mask(self.prelu(skips / len(self.blocks))))  # [B, S·N, F]
        masked = m.view(bsz, self.S, self.N, -1) * w.unsqueeze(1)
        out = self.dec(masked.view(bsz * self.S, self.N, -1))
        return out.view(bsz, self.S, -1)[..., :T]

    def loss(self, mix, sources):
        est = self.separate(mix)
        e = est - est.mean(-1, keepdim=True)
        s = sources - sources.mean(-1, keepdim=True)
        e, s = e.unsqueeze(2), s.unsqueeze(1)  # pairwise [B, S, S, T]
        alpha = (e * s).sum(-1, keepdim=True) / (s.pow(2).sum(-1, keepdim=True) + 1e-8)
        target = alpha * s
        sdr = 10 * torch.log10((target.pow(2).sum(-1) + 1e-8) / ((e - target).pow(2).sum(-1) + 1e-8))  # [B, S, S]
        perms = torch.stack([(sdr[:, 0, 0] + sdr[:, 1, 1]) / 2, (sdr[:, 0, 1] + sdr[:, 1, 0]) / 2], 1)
        return -perms.max(1).values.mean()


# ---- vi-tasnet: Table 3's gamma VI-TasNet (gamma q / Γ(½, 1), beta masks / Beta(1, 1), BLR, MC KL); 4 x 2000 ----

class TcnMasker(nn.Module):
    def __init__(self, N=32, B=16, H=16, Sc=8, P=3, X=8, R=1, out=64):
        super().__init__()
        self.norm = GLN(N)
        self.bottleneck = nn.Conv1d(N, B, 1)
        self.blocks = nn.ModuleList([TcnBlock(B, H, Sc, P, 2 ** x) for _ in range(R) for x in range(X)])
        self.prelu = nn.PReLU()
        self.out = nn.Conv1d(Sc, out, 1)

    def forward(self, w):  # [B, N, F] → [B, out, F]
        h = self.bottleneck(self.norm(w))
        skips = 0
        for blk in self.blocks:
            h, s = blk(h)
            skips = skips + s
        return self.out(self.prelu(skips / len(self.blocks)))


def blr_nll(s, est, a0=0.5, b0=1e-6, mu0=0.0, lam0=1e-6):
    """−log p(s | est) of the Bayesian linear regression s = γ·est + ε (lib/objectives/blr), over the last axis."""
    T = s.shape[-1]
    lam = (est * est).sum(-1) + lam0
    mu = ((est * s).sum(-1) + lam0 * mu0) / lam
    b = b0 + 0.5 * ((s - mu.unsqueeze(-1) * est).pow(2).sum(-1) + lam0 * (mu - mu0) ** 2)
    a = a0 + T / 2
    c = -(T / 2) * math.log(2 * math.pi) + 0.5 * math.log(lam0) + a0 * math.log(b0) + math.lgamma(a) - math.lgamma(a0)
    return -(c - 0.5 * torch.log(lam) - a * torch.log(b))


class ViTasNet(nn.Module):
    def __init__(self, N=32, L=16, stride=8, S=2):
        super().__init__()
        self.N, self.S, self.L, self.stride = N, S, L, stride
        self.enc = nn.Conv1d(1, N, L, stride=stride)
        self.masker = TcnMasker(N=N, out=2 * S * N)
        self.dec = nn.ConvTranspose1d(N, 1, L, stride=stride, bias=False)
        # buffers, so that .to(device) moves the priors' parameters with the model
        self.register_buffer("c_half", torch.tensor(0.5))
        self.register_buffer("c_one", torch.tensor(1.0))

    def loss(self, mix, sources):
        bsz, T = mix.shape
        frames = math.ceil((T - self.L) / self.stride) + 1
        pad = (frames - 1) * self.stride + self.L - T
        h = self.enc(F.pad(mix, (0, pad)).unsqueeze(1))  # [B, N, F]
        qz = torch.distributions.Gamma(F.softplus(h) + 1e-6, self.c_one)
        z = qz.rsample().clamp_min(1.1754943508222875e-38)
        ab = self.masker(z).view(bsz, 2, self.S, self.N, -1)
        qm = torch.distributions.Beta(F.softplus(ab[:, 0]) + 1e-6, F.softplus(ab[:, 1]) + 1e-6)
        m = qm.rsample().clamp(1.1754943508222875e-38, 1 - 2 ** -24)  # [B, S, N, F]
        est = self.dec((m * z.unsqueeze(1)).view(bsz * self.S, self.N, -1)).view(bsz, self.S, -1)[..., :T]
        nll = blr_nll(sources.unsqueeze(1).expand(-1, self.S, -1, -1), est.unsqueeze(2).expand(-1, -1, self.S, -1))
        perms = torch.stack([nll[:, 0, 0] + nll[:, 1, 1], nll[:, 0, 1] + nll[:, 1, 0]], 1)  # [B, 2]
        distortion = perms.min(1).values
        prior_z = torch.distributions.Gamma(self.c_half, self.c_one)
        prior_m = torch.distributions.Beta(self.c_one, self.c_one)
        rate = (qz.log_prob(z) - prior_z.log_prob(z)).flatten(1).sum(1) + (
            qm.log_prob(m) - prior_m.log_prob(m)
        ).flatten(1).sum(1)
        return (distortion + rate).mean()


def tone_mixtures(batch, T, sr=8000, seed=0):
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(T, dtype=torch.float32) / sr
    srcs = []
    for lo, hi in [(120, 200), (220, 320)]:
        f0 = lo + (hi - lo) * torch.rand(batch, 1, generator=g)
        v = sum(torch.sin(2 * math.pi * f0 * (k + 1) * t + 2 * math.pi * torch.rand(batch, 1, generator=g)) / (k + 1) for k in range(3))
        env = 0.6 + 0.4 * torch.sin(2 * math.pi * (1 + 3 * torch.rand(batch, 1, generator=g)) * t)
        srcs.append((0.5 + torch.rand(batch, 1, generator=g)) * env * v)
    sources = torch.stack(srcs, 1)
    return sources.sum(1), sources


# ---- pvae: partial VAE, PointNet-plus encoder, 15-D, K=8; batch 128 ----------------------------------

class PartialVae(nn.Module):
    def __init__(self, D=15, K=8, E=16, Fd=16, hh=32, eh=64, dh=64):
        super().__init__()
        self.D, self.K = D, K
        self.embed = nn.Parameter(torch.randn(D, E))
        self.h1 = nn.Linear(1 + E, hh)
        self.h2 = nn.Linear(hh, Fd)
        self.enc = nn.Sequential(nn.Linear(Fd, eh), nn.ReLU(), nn.Linear(eh, 2 * K))
        self.dec = nn.Sequential(nn.Linear(K, dh), nn.ReLU(), nn.Linear(dh, D))
        self.logvar = nn.Parameter(torch.zeros(D))

    def loss(self, x, mask):
        xo = torch.where(mask > 0, x, torch.zeros_like(x))
        # h([x_d, e_d]) with the first layer split as x_d·W_x + e_d·W_e + b
        pre = xo.unsqueeze(-1) * self.h1.weight[:, 0] + self.embed @ self.h1.weight[:, 1:].t() + self.h1.bias
        f = F.relu(self.h2(F.relu(pre)))  # [B, D, Fd]
        c = (f * mask.unsqueeze(-1)).sum(1)
        out = self.enc(c)
        mu, lv = out[:, :self.K], out[:, self.K:]
        z = mu + (0.5 * lv).exp() * torch.randn_like(mu)
        m = self.dec(z)
        nll = 0.5 * (xo - m).pow(2) / self.logvar.exp() + 0.5 * self.logvar + 0.5 * math.log(2 * math.pi)
        return ((nll * mask).sum(1) + gaussian_kl(mu, lv)).mean()


# ---- cdvae: one SDE level, 8x8x16 state, 10 Euler-Maruyama steps, 3x3 conv drifts; batch 32 -------------

class SdeLevel(nn.Module):
    def __init__(self, size=8, Z=16, H=32, C=1, steps=10):
        super().__init__()
        self.size, self.Z, self.steps = size, Z, steps
        conv = lambda i, o: nn.Conv2d(i, o, 3, padding=1)
        self.bu = nn.Sequential(conv(C, H), nn.ReLU(), conv(H, H), nn.ReLU())
        self.prior = nn.Sequential(conv(Z, H), nn.ReLU(), conv(H, Z))
        self.post = nn.Sequential(conv(Z + H, H), nn.ReLU(), conv(H, Z))
        self.dec = conv(Z, C)
        self.log_sigma = nn.Parameter(torch.tensor(math.log(0.5)))
        self.log_std_x = nn.Parameter(torch.tensor(0.0))

    def loss(self, x):
        bsz = x.shape[0]
        dt = 1.0 / self.steps
        feat = self.bu(x)
        sigma = self.log_sigma.exp()
        z = torch.zeros(bsz, self.Z, self.size, self.size, device=x.device)
        rate = torch.zeros(bsz, device=x.device)
        for _ in range(self.steps):
            h_post = self.post(torch.cat([z, feat], 1))
            h_prior = self.prior(z)
            u = (h_post - h_prior) / sigma
            rate = rate + 0.5 * dt * u.pow(2).sum((1, 2, 3))
            z = z + h_post * dt + sigma * math.sqrt(dt) * torch.randn_like(z)
        r = (x - self.dec(z)) / self.log_std_x.exp()
        nll = (0.5 * r.pow(2) + self.log_std_x + 0.5 * math.log(2 * math.pi)).sum((1, 2, 3))
        return (nll + rate).mean()


# ---- registry and timing ---------------------------------------------------------------------------------

def build(name, seed, device="cpu"):
    """(model on device, loss closure, batch); data are made on the CPU (the same draws as before) and moved."""
    m, loss, batch = _build(name, seed)
    m.to(device)
    return m, loss(device), batch


def _build(name, seed):
    torch.manual_seed(seed)
    if name == "mlp-vae":
        m = MlpVae()
        x = (torch.rand(128, 784) < 0.3).float()
        return m, on(m.loss, x), 128
    if name == "conv-vae":
        m = ConvVae()
        x = (torch.rand(64, 1, 32, 32) < 0.3).float()
        return m, on(m.loss, x), 64
    if name == "tasnet":
        m = ConvTasNet()
        mix, sources = tone_mixtures(4, 8000, seed=seed)
        return m, on(m.loss, mix, sources), 4
    if name == "vi-tasnet":
        m = ViTasNet()
        mix, sources = tone_mixtures(4, 2000, seed=seed)
        return m, on(m.loss, mix, sources), 4
    if name == "pvae":
        m = PartialVae()
        x = torch.randn(128, 15)
        mask = (torch.rand(128, 15) < 0.7).float()
        return m, on(m.loss, x, mask), 128
    if name == "cdvae":
        m = SdeLevel()
        x = torch.randn(32, 1, 8, 8)
        return m, on(m.loss, x), 32
    if name == "tasnet-librimix":  # Luo & Mesgarani Table I, ≈5.05 M parameters; 3 s at 8 kHz
        m = ConvTasNet(N=512, L=16, stride=8, B=128, H=512, Sc=128, P=3, X=8, R=3, S=2)
        mix, sources = tone_mixtures(4, 24000, seed=seed)
        return m, on(m.loss, mix, sources), 4
    if name == "cdvae-paper":  # the SDE level at the paper's MNIST drift width (128)
        m = SdeLevel(H=128)
        x = torch.randn(32, 1, 8, 8)
        return m, on(m.loss, x), 32
    raise ValueError(f"no model {name!r} (have: {', '.join(MODELS + PAPER_MODELS)})")


def on(loss, *data):
    """The loss closure over `data`, once told the device to move them to."""
    def at(device):
        moved = [t.to(device) for t in data]
        return lambda: loss(*moved)
    return at


def bench(name, args):
    cuda = args.device == "cuda"
    model, loss_fn, batch = build(name, args.seed, args.device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    last = float("nan")

    def step():
        nonlocal last
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        opt.step()
        last = loss.item()  # a sync point, as in the tfjs bench (await loss.data())
        if cuda:  # and the queued optimiser kernels, so that no step's work spills into the next one's time
            torch.cuda.synchronize()

    warm = []
    for i in range(args.warmup):
        if i > 0 and warm[-1] > 1000:
            break
        t = time.perf_counter()
        step()
        warm.append((time.perf_counter() - t) * 1000)
    times = []
    t0 = time.perf_counter()
    while len(times) < max(args.max_steps, 2) and (len(times) < 2 or time.perf_counter() - t0 < args.min_seconds):
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) * 1000)
    if cuda:
        torch.cuda.synchronize()
    return {
        "model": name, "backend": f"pytorch-{args.device}", "status": "ok",
        "msPerStep": statistics.median(times), "steps": len(times), "meanMs": statistics.fmean(times), "minMs": min(times),
        "warmup": len(warm), "batch": batch, "parameterCount": sum(p.numel() for p in model.parameters()),
        "threads": torch.get_num_threads(), "lastLoss": last, "tensorGrowth": 0,
        "tfBackend": f"torch {torch.__version__}" + (f" {torch.cuda.get_device_name()}" if cuda else ""),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--min-seconds", type=float, default=2.0)
    ap.add_argument("--max-steps", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch.set_num_threads (default: all cores)")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = ap.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("bench_torch: --device cuda: torch.cuda.is_available() is False (a CPU-only torch, or no NVIDIA driver)")
    torch.set_num_threads(args.threads)
    rows = []
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        try:
            row = bench(name, args)
            where = torch.cuda.get_device_name() if args.device == "cuda" else f"{row['threads']} threads"
            print(f"bench_torch: {name}: {row['msPerStep']:.1f} ms/step ({row['steps']} timed steps, {where})", file=sys.stderr)
        except Exception as e:  # one model failing must not lose the others
            row = {"model": name, "backend": f"pytorch-{args.device}", "status": "error", "msPerStep": None, "steps": 0, "error": str(e).split("\n")[0][:300]}
            print(f"bench_torch: {name}: error: {row['error']}", file=sys.stderr)
        rows.append(row)
    json.dump(rows, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
