"""Meaning cues the red-flag model reads beside its n-grams: small groups of words, in every language
Haven's users write in, that carry the meaning of a self-harm cue when it is phrased indirectly ("das ist
mein ende", "i've got a rope", "é o meu fim", "ils seraient mieux sans moi") — phrasings no n-gram of the
training families may share. Each group is one input of the first layer (plus the same input on the
victim's side only); the model learns how much each weighs, so a group is evidence, not a rule: "my phone
died" and "je meurs de rire" also hit a group, and their other words weigh against it.

Read on the model's normalised text (:func:`haven.flags.features.normalise`: lower case, no accents,
leetspeak and spaced letters undone), once per distinct message text.
"""

from __future__ import annotations

import re

import numpy as np

from haven.flags.features import normalise

_GROUPS: dict[str, str] = {
    "death": r"die|dies|dying|dead|death|mourir|meurs|meurt|meure|mort|morte|morts|morir|muero|muera|"
    r"muerto|muerta|"
    r"muerte|morrer|morro|morto|morta|morte|sterben|sterbe|tot|tod|tote|marw|farw|mamatay|patay|marna|"
    r"mar jaunga|mar jaungi|mar jaana",
    "kill-self": r"kill myself|killing myself|kms|unalive\w*|suicid\w*|me tuer|me suicider|matarme|me mato|"
    r"me matar|me matei|mich umbringen|bringe? mich um|umzubringen|selbstmord\w*|suizid\w*|lladd fy hun\w*|"
    r"hunanladdiad|pakamatay|magpapakamatay|khudkushi|end my life|take my life|mettre fin|quitarme la vida|"
    r"tirar (?:a )?minha vida|mir das leben",
    "end": r"end|ending|the end|over|fin|finir|en finir|fim|meu fim|acabar|acabou|acabar con todo|"
    r"acabar com tudo|ende|"
    r"beenden|diwedd|gorffen|khatam|end am|tapos na",
    "forever": r"forever|for good|for ever|pour toujours|para siempre|pra sempre|para sempre|fur immer|"
    r"fuer immer|am byth|habang buhay|hamesha",
    "existence": r"exist|existing|exister|existir|existieren|bodoli|live|living|alive|vivre|vivir|viver|"
    r"leben|byw|mabuhay|jeena|zindagi|wake up|reveiller|despertar|acordar|aufwachen|deffro",
    "without-me": r"without me|sans moi|sin mi|sem mim|ohne mich|hebdda i|hebddo i|wala ako|mere bina",
    "method": r"pills?|tablets?|meds|overdose|paracetamol|rope|noose|bridge|roof|rooftop|terrace|balcony|"
    r"ledge|train tracks|jump|jumping|razor|blade|wrists?|cachets|comprimes|medicaments|pont|sauter|"
    r"pastillas|puente|tirarme|remedios|ponte|pular|me jogar|tabletten|brucke|bruecke|springen|neidio|"
    r"tabledi|pont|bilyo",
    "farewell": r"goodbye|good bye|farewell|last message|last text|final message|my last|adieu|adios|adeus|"
    r"tschuss|tschuess|lebewohl|ffarwel|hwyl fawr|dernier message|ultimo mensaje|ultima mensagem|"
    r"letzte nachricht|neges olaf|paalam|alvida|goodbye letter|note for",
    "disappear": r"disappear\w*|vanish\w*|gone|not be here|not be around|disparaitre|disparu|desaparecer|"
    r"desaparezco|sumir|sumo|verschwinden|verschwinde|diflannu|mawala|gayab",
    "cannot-go-on": r"can ?t go on|can ?t do this|can ?t take|no point|no reason|pointless|hopeless|"
    r"worthless|burden|give up|no fit|n en peux plus|plus la force|ya no puedo|no puedo mas|nao aguento|"
    r"nao consigo mais|kann nicht mehr|halte das nicht|fedra i ddim|dim pwynt|hindi ko na kaya|"
    r"aur nahi|sahan nahi",
    "harm": r"hurt myself|harm myself|cut myself|cutting myself|self ?harm\w*|me faire du mal|hacerme dano|"
    r"me machucar|mir was an|mir weh tun|brifo fy hun\w*|saktan ang sarili",
}
_COMPILED = [re.compile(r"\b(?:" + p + r")\b") for p in _GROUPS.values()]
CUE_NAMES = [f"cue:{name}" for name in _GROUPS]


def cue_matrix(texts: list[str]) -> np.ndarray:
    """(texts x groups) 1.0 where the group's words occur in the normalised text."""
    out = np.zeros((len(texts), len(_COMPILED)), dtype=np.float32)
    for i, text in enumerate(texts):
        t = normalise(text)
        for j, rx in enumerate(_COMPILED):
            if rx.search(t):
                out[i, j] = 1.0
    return out
