import { defineStore } from 'pinia'
import type { StudioEvent } from '../../../preload/contract'
import { onEvent } from '../api'

export type EventType = StudioEvent['type']
export type EventOf<T extends EventType> = Extract<StudioEvent, { type: T }>

/** Hands each event to the handlers registered for its type. */
export function createEventBus() {
  const handlers = new Map<EventType, Set<(e: StudioEvent) => void>>()
  return {
    /** Calls `handler` with every event of `type`; returns the function that stops it. */
    on<T extends EventType>(type: T, handler: (e: EventOf<T>) => void): () => void {
      // The map is keyed by type, so only events of `type` reach this wrapper.
      const h = (e: StudioEvent) => handler(e as EventOf<T>)
      const set = handlers.get(type) ?? new Set()
      handlers.set(type, set.add(h))
      return () => void set.delete(h)
    },
    emit(e: StudioEvent): void {
      for (const h of handlers.get(e.type) ?? []) {
        // One store's failing handler must not keep the event from the others.
        try {
          h(e)
        } catch (err) {
          console.error(err)
        }
      }
    },
  }
}

/**
 * The app's one subscription to engine events, made when the store is first used (main.ts does so at
 * start) and kept for the page's life; stores register per event type and views never subscribe.
 */
export const useEventsStore = defineStore('events', () => {
  const bus = createEventBus()
  onEvent((e) => bus.emit(e))
  return { on: bus.on }
})
