"""TeX math → Unicode: converted whole, or not at all (None: the caller shows the TeX)."""

from __future__ import annotations

import pytest

from flashgen.cli.texmath import tex_to_unicode

CONVERTED = [
    (r"\lambda", "λ"),
    (r"x^2", "x²"),
    (r"x^2y", "x²y"),
    (r"x^{10}", "x¹⁰"),
    (r"x_i", "xᵢ"),
    (r"a_{ij}", "aᵢⱼ"),
    (r"x_{\text{max}}", "xₘₐₓ"),
    (r"Q^{-1} = Q^T", "Q⁻¹ = Qᵀ"),
    (r"\beta_1 = 10^{-4}", "β₁ = 10⁻⁴"),
    (r"f'(x)", "f′(x)"),
    (r"f^\prime", "f′"),
    (r"\frac{a}{b}", "a/b"),
    (r"\frac{1}{2}", "1/2"),
    (r"\frac{a+b}{c}", "(a+b)/c"),
    (r"\frac{n(n+1)}{2}", "n(n+1)/2"),
    (r"\frac{2ab}{c^2}", "2ab/c²"),
    (r"\dfrac{x}{y - 1}", "x/(y − 1)"),
    (r"\sqrt{x}", "√x"),
    (r"\sqrt{x + 1}", "√(x + 1)"),
    (r"\sqrt[3]{8}", "∛8"),
    (r"\mathbb{R}", "ℝ"),
    (r"\mathbb{N} \subseteq \mathbb{Z}", "ℕ ⊆ ℤ"),
    (r"\mathbb{E}", "𝔼"),
    (r"\mathbb{1}", "𝟙"),
    (r"\mathcal{L}(w) + \lambda \, \Omega(w)", "ℒ(w) + λ Ω(w)"),
    (r"\mathcal{N}", "𝒩"),
    (r"\mathfrak{g}", "𝔤"),
    (r"\mathbf{v}", "𝐯"),
    (r"\boldsymbol{x}", "𝐱"),
    (r"\mathrm{FL}\left(p_{\mathrm{t}}\right)", "FL(pₜ)"),
    (r"\operatorname{Var}(X)", "Var(X)"),
    (r"\bar{\alpha}_t = \prod_{s=1}^{t} \alpha_s", "\u03b1\u0304ₜ = ∏ₛ₌₁ᵗ αₛ"),
    (r"\hat{x} = g(z)", "x̂ = g(z)"),
    (r"\vec{v}", "v⃗"),
    (r"\lVert x \rVert^2", "‖x ‖²"),
    (r"\epsilon \sim \mathcal{N}(0, I)", "ϵ ∼ 𝒩(0, I)"),
    (r"\lfloor (W - K + 2P) / S \rfloor + 1", "⌊(W − K + 2P) / S ⌋ + 1"),
    (r"\sum_{i=1}^n i", "∑ᵢ₌₁ⁿ i"),
    (r"\int_0^1 f(x)\,dx", "∫₀¹ f(x) dx"),
    (r"\log_2 n", "log₂ n"),
    (r"O(n \log n)", "O(n log n)"),
    (r"\det(A) \neq 0", "det(A) ≠ 0"),
    (r"3 \cdot 3 \times 3", "3 · 3 × 3"),
    (r"\lambda \geq 0", "λ ≥ 0"),
    (r"\{1, 2\}", "{1, 2}"),
    (r"50\%", "50%"),
    (r"\left. x \right|", "x |"),
    (r"\text{if } x > 0", "if x > 0"),
    (r"{a}", "a"),
    (r"A \to B", "A → B"),
    (r"z = \mu_\phi(x) + \sigma_\phi(x) \odot \epsilon", "z = μᵩ(x) + σᵩ(x) ⊙ ϵ"),
    (r"x^\theta", "xᶿ"),
]

UNCONVERTIBLE = [
    r"\epsilon_\theta",  # no subscript theta in Unicode
    r"e^{-x^2}",  # a script inside a script
    r"\lim_{x \to 0}",  # no subscript arrow
    r"x^q",  # no superscript q
    r"\begin{pmatrix}a\\b\end{pmatrix}",
    r"a \\ b",
    r"a & b",
    r"\foo{x}",
    r"\unknowncommand",
    r"\sqrt[5]{x}",
    r"\hat{xy}",
    r"\mathbb{?}",
    r"x^{}",
    r"x^",
    r"\frac{a}",
    r"{unbalanced",
    "",
]


@pytest.mark.parametrize(("tex", "text"), CONVERTED)
def test_converted(tex: str, text: str) -> None:
    assert tex_to_unicode(tex) == text


@pytest.mark.parametrize("tex", UNCONVERTIBLE)
def test_not_converted_rather_than_half_converted(tex: str) -> None:
    assert tex_to_unicode(tex) is None
