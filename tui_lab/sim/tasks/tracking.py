"""True linear dynamical systems for the LDS scenarios (7a-05).

Constant-velocity tracking: state (position, velocity), a noisy position is
seen at every step. The oscillator: a slowly damped rotation (a planet seen
edge-on), observed through its first coordinate only.
"""

import numpy as np

from tui_lab.sim.lds import KalmanFilter


def constant_velocity(dt: float, accel_noise: float, obs_noise: float) -> KalmanFilter:
    A = np.array([[1.0, dt], [0.0, 1.0]])
    G = np.array([[0.5 * dt * dt], [dt]])  # a random acceleration each step
    return KalmanFilter(A, np.array([[1.0, 0.0]]), accel_noise ** 2 * (G @ G.T)
                        + 1e-9 * np.eye(2), [[obs_noise ** 2]], [0.0, 1.0], np.eye(2))


def oscillator(period: float, damping: float, process_noise: float,
               obs_noise: float) -> KalmanFilter:
    w = 2 * np.pi / period
    A = damping * np.array([[np.cos(w), -np.sin(w)], [np.sin(w), np.cos(w)]])
    return KalmanFilter(A, np.array([[1.0, 0.0]]), process_noise ** 2 * np.eye(2),
                        [[obs_noise ** 2]], [5.0, 0.0], np.eye(2))
