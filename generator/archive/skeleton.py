"""What `paperpress init` writes: a site.yaml and a starter topic taxonomy.

One topic shows `exclude:` at work, so a curator sees how to keep a keyword's
other meanings out of a topic.
"""

from __future__ import annotations

SITE = {
    "title": "Daily Papers Archive",
    "description": "A curated archive of the day's research papers.",
    "base_url": "https://example.github.io/papers/",
    "language": "en",
    "feed_size": 50,
    "page_size": 50,
    "theme": "default",
    "source_summary": True,  # the source's AI summary on paper pages
}

TOPICS = [
    ("llm-reasoning", "LLM reasoning",
     "Chain-of-thought, test-time compute and how language models reason.",
     ["reasoning", "chain-of-thought", "chain of thought", "CoT", "test-time scaling",
      "test-time compute", "long-context", "long context", "thinking"]),
    ("agents", "Agents",
     "Language-model agents that plan, use tools and act in software environments.",
     ["agent", "agents", "agentic", "tool use", "tool-use", "tool calling", "multi-agent",
      "GUI agent", "web agent", "planning"]),
    ("multimodal", "Multimodal models",
     "Vision-language and other models that read more than one modality.",
     ["multimodal", "multi-modal", "vision-language", "VLM", "VLMs", "MLLM", "MLLMs",
      "LMM", "LMMs", "visual question answering", "VQA", "image-text"]),
    ("vision-generation", "Image generation",
     "Diffusion, autoregressive and flow models that make or edit images.",
     ["diffusion", "text-to-image", "image generation", "image editing", "flow matching",
      "GAN", "image synthesis", "DiT"]),
    ("video", "Video",
     "Video understanding and generation.",
     ["video", "videos", "text-to-video", "video generation", "Video-LLM", "Video-LLMs",
      "temporal grounding"]),
    ("speech-audio", "Speech and audio",
     "Speech recognition and synthesis, music and sound.",
     ["speech", "audio", "ASR", "TTS", "text-to-speech", "music", "spoken", "voice"]),
    ("robotics", "Robotics and embodied AI",
     "Robots, embodied agents and vision-language-action models.",
     ["robot", "robots", "robotic", "robotics", "embodied", "manipulation",
      "vision-language-action", "VLA", "locomotion"]),
    ("reinforcement-learning", "Reinforcement learning",
     "RL for language models and beyond: RLHF, reward models, policy optimization.",
     ["reinforcement learning", "RL", "RLHF", "RLVR", "reward model", "policy optimization",
      "PPO", "GRPO", "DPO"]),
    ("efficiency", "Efficiency and inference",
     "Quantization, sparsity, distillation and faster inference.",
     ["quantization", "pruning", "sparsity", "distillation", "efficient inference",
      "KV cache", "speculative decoding", "mixture-of-experts", "MoE", "latency",
      "memory-efficient"]),
    ("safety-alignment", "Safety and alignment",
     "Alignment, jailbreaks, red-teaming, hallucination and trustworthiness.",
     ["safety", "alignment", "jailbreak", "red-teaming", "hallucination", "harmful",
      "trustworthy", "bias", "privacy"]),
    ("retrieval-rag", "Retrieval and RAG",
     "Retrieval-augmented generation, search and embeddings.",
     ["retrieval", "RAG", "retrieval-augmented", "retriever", "embedding", "embeddings",
      "search engine", "memory retrieval"]),
    ("code", "Code",
     "Models that write, repair and reason about code.",
     ["code generation", "coding", "program synthesis", "software engineering", "SWE-bench",
      "code LLM", "code LLMs", "programming"]),
    ("math", "Mathematics",
     "Mathematical reasoning, theorem proving and formal proofs.",
     ["math", "mathematical", "theorem proving", "theorem", "Lean", "olympiad", "GSM8K",
      "MATH"]),
    ("3d", "3D and scenes",
     "3D reconstruction and generation, Gaussian splatting, NeRF and scene understanding.",
     ["3D", "Gaussian splatting", "3DGS", "NeRF", "point cloud", "mesh", "reconstruction",
      "novel view synthesis", "4D"]),
    ("medical-science", "Medicine and science",
     "Medical imaging, biology, chemistry and AI for science.",
     ["medical", "clinical", "biomedical", "radiology", "protein", "molecule", "molecular",
      "chemistry", "scientific discovery", "drug", "healthcare", "pathology"]),
]


# "programming" is also the optimizer's word: those papers are not about code
EXCLUDE = {"code": ["dynamic programming", "linear programming", "integer programming"]}


def topics_document() -> dict:
    topics = []
    for slug, name, description, keywords in TOPICS:
        topic = {"slug": slug, "name": name, "description": description, "keywords": keywords}
        if slug in EXCLUDE:
            topic["exclude"] = EXCLUDE[slug]
        topics.append(topic)
    return {"topics": topics}
